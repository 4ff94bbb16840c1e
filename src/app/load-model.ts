/** Loading weights from a file for eval, predict, info, export and serve (the model itself: model-from-weights.ts). */
import { loadStateDictFile } from '../io/checkpoint.js';
import { UsageError } from './errors.js';
import { modelFromWeights, type LoadedModel, type WeightsFallback } from './model-from-weights.js';

export type { LoadedModel } from './model-from-weights.js';

export function loadModel(path: string | undefined, fallback: WeightsFallback = {}): LoadedModel & { metadata: Record<string, string> } {
  if (!path) throw new UsageError('--checkpoint is required');
  const { stateDict, metadata } = loadStateDictFile(path);
  return { ...modelFromWeights(stateDict, metadata, path, fallback), metadata };
}
