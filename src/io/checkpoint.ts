/**
 * State dicts and training checkpoints on disk, as .safetensors files (see safetensors.ts).
 *
 * saveStateDict writes exactly what `safetensors.torch.save_file(model.state_dict(), path)` writes: every key in
 * PyTorch order, float tensors in their dtype, integer buffers (num_batches_tracked) as I64. Such a file, written
 * by PyTorch from the official model, loads with `model.loadStateDict(loadStateDictFile(path).stateDict)`.
 *
 * saveCheckpoint adds the optimizer's per-parameter buffers as `optimizer.state.<index>.<buffer>` tensors and the
 * optimizer's step counts and group settings plus the scheduler's state as JSON metadata, so training resumes
 * bit-identically. loadStateDictFile leaves those optimizer tensors out of the model's state dict.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Module, StateDict } from '../nn/module.js';
import type { OptimizerLike, OptimizerStateDict } from '../optim/optimizer.js';
import type { LambdaLR, LambdaLRState } from '../optim/schedulers.js';
import { loadSafetensors, saveSafetensors, SafetensorsError, type SafetensorsFile } from './safetensors.js';

const OPT_PREFIX = 'optimizer.state.';

export interface StateDictFile {
  stateDict: StateDict;
  metadata: Record<string, string>;
}

/** Write a module's (or a state dict's) tensors to a .safetensors file, atomically, with string metadata. */
export function saveStateDict(path: string, source: Module | StateDict, metadata: Record<string, string> = {}): void {
  const sd = source instanceof Map ? source : source.stateDict();
  saveSafetensors(path, sd, { metadata });
}

/** Read a .safetensors state dict (PyTorch's or ours); optimizer tensors of a training checkpoint are left out. */
export function loadStateDictFile(path: string): StateDictFile {
  return splitFile(loadSafetensors(path)).model;
}

function splitFile(f: SafetensorsFile): { model: StateDictFile; optimizer: Map<string, Tensor> } {
  const stateDict: StateDict = new Map();
  const optimizer = new Map<string, Tensor>();
  for (const [k, t] of f.tensors) {
    if (f.metadata.optimizer && k.startsWith(OPT_PREFIX)) optimizer.set(k.slice(OPT_PREFIX.length), t);
    else stateDict.set(k, t);
  }
  return { model: { stateDict, metadata: f.metadata }, optimizer };
}

export interface CheckpointParts {
  model: Module;
  optimizer?: OptimizerLike;
  scheduler?: LambdaLR;
}

/** Save model, optimizer and scheduler state in one file; `metadata` is stored alongside (e.g. epoch, best Dice). */
export function saveCheckpoint(path: string, parts: CheckpointParts, metadata: Record<string, string> = {}): void {
  const tensors = new Map<string, Tensor>(parts.model.stateDict());
  const meta: Record<string, string> = { ...metadata };
  if (parts.optimizer) {
    const sd = parts.optimizer.stateDict();
    const steps: Record<string, number> = {};
    for (const [id, st] of sd.state) {
      steps[id] = st.step;
      for (const [name, t] of Object.entries(st.buffers)) tensors.set(`${OPT_PREFIX}${id}.${name}`, t);
    }
    meta.optimizer = JSON.stringify({ name: parts.optimizer.name, paramGroups: sd.paramGroups, steps });
  }
  if (parts.scheduler) meta.scheduler = JSON.stringify(parts.scheduler.stateDict());
  saveSafetensors(path, tensors, { metadata: meta });
}

/**
 * Restore a checkpoint written by saveCheckpoint into the given model (strict) and, when given, the optimizer and
 * scheduler (which must be built the same way as when saving). Returns the file's metadata.
 */
export function loadCheckpoint(path: string, parts: CheckpointParts): Record<string, string> {
  const { model, optimizer } = splitFile(loadSafetensors(path));
  const { stateDict, metadata } = model;
  parts.model.loadStateDict(stateDict);
  if (parts.optimizer) {
    if (!metadata.optimizer) throw new SafetensorsError(`${path}: no optimizer state in this checkpoint`);
    const saved = JSON.parse(metadata.optimizer) as { name: string; paramGroups: OptimizerStateDict['paramGroups']; steps: Record<string, number> };
    if (saved.name !== parts.optimizer.name) {
      throw new SafetensorsError(`${path}: optimizer state is for ${saved.name}, not ${parts.optimizer.name}`);
    }
    const state: OptimizerStateDict['state'] = new Map();
    for (const [id, step] of Object.entries(saved.steps)) state.set(Number(id), { step, buffers: {} });
    for (const [k, t] of optimizer) {
      const [id, name] = k.split('.');
      const st = state.get(Number(id));
      if (!st) throw new SafetensorsError(`${path}: optimizer tensor '${OPT_PREFIX}${k}' has no step count`);
      st.buffers[name] = t;
    }
    parts.optimizer.loadStateDict({ state, paramGroups: saved.paramGroups });
  }
  if (parts.scheduler) {
    if (!metadata.scheduler) throw new SafetensorsError(`${path}: no scheduler state in this checkpoint`);
    parts.scheduler.loadStateDict(JSON.parse(metadata.scheduler) as LambdaLRState);
  }
  return metadata;
}
