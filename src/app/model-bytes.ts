/** A ready model from .safetensors bytes (a fetch, an upload, a file read by the caller), on every platform. */
import { stateDictFromBytes } from '../io/checkpoint-format.js';
import { modelFromWeights, type LoadedModel, type WeightsFallback } from './model-from-weights.js';

/**
 * The model in `bytes` (an ArrayBuffer or Uint8Array of a .safetensors file), in eval mode, with its config and
 * normalisation (see modelFromWeights for weights without our metadata, and `fallback`). `name` names the bytes
 * in error messages.
 */
export function loadModelBytes(bytes: Uint8Array | ArrayBuffer, fallback: WeightsFallback = {}, name = 'checkpoint'): LoadedModel & { metadata: Record<string, string> } {
  const { stateDict, metadata } = stateDictFromBytes(bytes, name);
  return { ...modelFromWeights(stateDict, metadata, name, fallback), metadata };
}
