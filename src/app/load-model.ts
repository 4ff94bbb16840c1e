/** Loading weights from a file for eval, predict and info (Node); building the model is in model-weights.ts. */
import { loadStateDictFile } from '../io/checkpoint.js';
import { modelFromWeights, type LoadedModel, type WeightsFallback } from './model-weights.js';
import { UsageError } from './errors.js';

export type { LoadedModel, WeightsFallback } from './model-weights.js';

/** The model in the .safetensors file at `path` (see modelFromWeights for `fallback`). */
export function loadModel(path: string | undefined, fallback: WeightsFallback = {}): LoadedModel {
  if (!path) throw new UsageError('--checkpoint is required');
  return modelFromWeights(loadStateDictFile(path), path, fallback);
}
