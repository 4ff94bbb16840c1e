/**
 * A ready model from a state dict and its metadata (platform-neutral: the bytes may come from a file, a fetch or an
 * upload). Our checkpoints carry their ModelConfig in the metadata; weights without it (e.g. converted from the
 * official PyTorch code) are recognised from their keys, with inChannels, baseC and numClasses read off the shapes
 * of in_conv.0.weight [C, inC, 3, 3] and out_conv.0.weight [K, C, 1, 1].
 */
import { StateDictError, type Module, type StateDict } from '../nn/module.js';
import { buildModel, configFromMetadata, type ModelConfig } from './model-config.js';
import { UsageError } from './errors.js';
import { DataError } from '../data/errors.js';

export interface LoadedModel {
  model: Module;
  config: ModelConfig;
  /** False when mean/std were not in the file (they are then taken from the data). */
  hasNormalisation: boolean;
}

export interface WeightsFallback {
  size?: number;
  mean?: number[];
  std?: number[];
}

/** The config of weights: from our metadata, else from the key names and shapes (size and normalisation unknown). */
export function describeWeights(stateDict: StateDict, metadata: Record<string, string>, name: string, size = 480): { config: ModelConfig; fromMetadata: boolean } {
  const config = configFromMetadata(metadata, name);
  if (config) return { config, fromMetadata: true };
  const first = stateDict.get('in_conv.0.weight'), last = stateDict.get('out_conv.0.weight');
  if (!first || !last || first.ndim !== 4 || last.ndim !== 4) {
    throw new DataError(name, 'not an AMSUnet or U-Net checkpoint (no in_conv.0.weight / out_conv.0.weight tensors)');
  }
  const isAms = [...stateDict.keys()].some((k) => k.startsWith('in_conv.3.'));
  return {
    config: {
      model: isAms ? 'amsunet' : 'unet', inChannels: first.shape[1], numClasses: last.shape[0], baseC: first.shape[0],
      size, mean: [], std: [], maskMode: last.shape[0] === 2 ? 'binary' : 'index',
    },
    fromMetadata: false,
  };
}

/**
 * `fallback` fills what weights without our metadata cannot say: the sliding-window tile and, when given, the
 * normalisation (e.g. the official DRIVE mean [0.709, 0.381, 0.224] and std [0.127, 0.079, 0.043]).
 */
export function modelFromWeights(stateDict: StateDict, metadata: Record<string, string>, name: string, fallback: WeightsFallback = {}): LoadedModel {
  const described = describeWeights(stateDict, metadata, name, fallback.size);
  let config = described.config;
  let hasNormalisation = described.fromMetadata;
  if (fallback.mean || fallback.std) {
    const C = config.inChannels;
    for (const [flag, v] of [['--mean', fallback.mean], ['--std', fallback.std]] as const) {
      if (!v || v.length !== C) throw new UsageError(`${flag} needs ${C} value${C > 1 ? 's' : ''} (one per input channel of ${name}), got ${v ? v.length : 'none'}`);
    }
    if (fallback.std!.some((x) => !(x > 0))) throw new UsageError('--std values must be > 0');
    config = { ...config, mean: fallback.mean!, std: fallback.std! };
    hasNormalisation = true;
  }
  let model: Module;
  try {
    model = buildModel(config);
    model.loadStateDict(stateDict);
  } catch (e) {
    if (e instanceof StateDictError) {
      const what = `${config.model} baseC ${config.baseC}, ${config.inChannels} input channels, ${config.numClasses} classes`;
      throw Object.assign(new DataError(name, `weights do not fit ${what}: ${fewProblems(e.problems)}`), { cause: e });
    }
    throw e;
  }
  model.eval();
  return { model, config, hasNormalisation };
}

/** The first problems of a StateDictError and "... and N more" (the full list stays on the error's cause, shown by --debug). */
export function fewProblems(problems: readonly string[], shown = 4): string {
  const head = `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.slice(0, shown).join('; ')}`;
  return problems.length > shown ? `${head}; … and ${problems.length - shown} more` : head;
}
