/**
 * `train --init CKPT`: start from existing weights (ours, or PyTorch weights converted to safetensors with the
 * official names). Strict by default: every key must be present and every shape must fit, and a mismatch names
 * the keys. Not strict: the tensors whose key and shape fit are loaded and the rest is reported, as PyTorch's
 * load_state_dict(strict=False) does for missing and unexpected keys; unlike PyTorch, a size mismatch is skipped
 * too (that is what fine-tuning to another class count needs: the last layer starts fresh).
 */
import { loadStateDictFile } from '../../io/checkpoint.js';
import { StateDictError, type Module, type StateDict } from '../../nn/module.js';
import { shapesEqual, fmtShape } from '../../tensor/shape.js';
import { DataError } from '../../data/errors.js';
import type { ModelConfig } from '../model-config.js';

export interface InitReport {
  file: string;
  loaded: number;
  /** One entry per tensor not loaded, with the reason. */
  skipped: string[];
}

export function loadInitWeights(model: Module, mc: ModelConfig, file: string, strict: boolean): InitReport {
  const { stateDict } = loadStateDictFile(file);
  if (strict) {
    try {
      model.loadStateDict(stateDict);
    } catch (e) {
      if (!(e instanceof StateDictError)) throw e;
      const what = `${mc.model} baseC ${mc.baseC}, ${mc.inChannels} input channels, ${mc.numClasses} classes`;
      const head = e.problems.slice(0, 6).join('; ') + (e.problems.length > 6 ? `; … and ${e.problems.length - 6} more` : '');
      throw Object.assign(new DataError(file, `--init weights do not fit ${what}: ${head} (--init-strict false loads the tensors that fit)`), { cause: e });
    }
    return { file, loaded: stateDict.size, skipped: [] };
  }
  const own = model.stateDict();
  const fit: StateDict = new Map();
  const skipped: string[] = [];
  for (const [k, t] of stateDict) {
    const target = own.get(k);
    if (!target) skipped.push(`${k} (not in the model)`);
    else if (!shapesEqual(t.shape, target.shape)) skipped.push(`${k} (checkpoint ${fmtShape(t.shape)}, model ${fmtShape(target.shape)})`);
    else fit.set(k, t);
  }
  for (const k of own.keys()) if (!stateDict.has(k)) skipped.push(`${k} (not in the checkpoint)`);
  if (fit.size === 0) throw new DataError(file, `--init: no tensor of these weights fits ${mc.model} baseC ${mc.baseC} (first key '${[...stateDict.keys()][0] ?? 'none'}')`);
  model.loadStateDict(fit, { strict: false });
  return { file, loaded: fit.size, skipped };
}
