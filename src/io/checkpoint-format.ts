/**
 * State dicts and training checkpoints as .safetensors bytes (see safetensors-format.ts), on every platform; the
 * file versions (saveStateDict, loadStateDictFile, saveCheckpoint, loadCheckpoint) are in checkpoint.ts (Node).
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
import { ConfigError } from '../tensor/errors.js';
import { parseSafetensors, serializeSafetensors, SafetensorsError, type SafetensorsFile } from './safetensors-format.js';

const OPT_PREFIX = 'optimizer.state.';

export interface StateDictFile {
  stateDict: StateDict;
  metadata: Record<string, string>;
}

/** A module's (or a state dict's) tensors as .safetensors bytes, with string metadata. */
export function stateDictBytes(source: Module | StateDict, metadata: Record<string, string> = {}): Uint8Array {
  const sd = source instanceof Map ? source : source.stateDict();
  return serializeSafetensors(sd, { metadata });
}

/**
 * Read .safetensors bytes (PyTorch's or ours) as a state dict; optimizer tensors of a training checkpoint are left
 * out. `source` names the bytes in error messages.
 */
export function stateDictFromBytes(bytes: Uint8Array | ArrayBuffer, source = 'checkpoint'): StateDictFile {
  return splitFile(parseSafetensors(bytes, source)).model;
}

export function splitFile(f: SafetensorsFile): { model: StateDictFile; optimizer: Map<string, Tensor> } {
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

/** Model, optimizer and scheduler state as one .safetensors; `metadata` is stored alongside (e.g. epoch, best Dice). */
export function checkpointBytes(parts: CheckpointParts, metadata: Record<string, string> = {}): Uint8Array {
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
  return serializeSafetensors(tensors, { metadata: meta });
}

/**
 * Restore a checkpoint written by checkpointBytes / saveCheckpoint into the given model (strict) and, when given,
 * the optimizer and scheduler (which must be built the same way as when saving). Returns the file's metadata.
 * `path` names the checkpoint in error messages.
 */
export function restoreCheckpoint(file: SafetensorsFile, path: string, parts: CheckpointParts): Record<string, string> {
  const { model, optimizer } = splitFile(file);
  const { stateDict, metadata } = model;
  parts.model.loadStateDict(stateDict);
  if (parts.optimizer) {
    if (!metadata.optimizer) throw new SafetensorsError(`${path}: no optimizer state in this checkpoint`);
    const saved = optimizerRecord(path, metadata.optimizer);
    if (saved.name !== parts.optimizer.name) {
      throw new SafetensorsError(`${path}: optimizer state is for ${JSON.stringify(saved.name)}, not ${parts.optimizer.name}`);
    }
    const state: OptimizerStateDict['state'] = new Map();
    for (const [id, step] of Object.entries(saved.steps)) state.set(Number(id), { step, buffers: {} });
    for (const [k, t] of optimizer) {
      const [id, name] = k.split('.');
      const st = state.get(Number(id));
      if (!st) throw new SafetensorsError(`${path}: optimizer tensor '${OPT_PREFIX}${k}' has no step count`);
      st.buffers[name] = t;
    }
    try {
      parts.optimizer.loadStateDict({ state, paramGroups: saved.paramGroups });
    } catch (e) {
      if (e instanceof ConfigError) throw new SafetensorsError(`${path}: optimizer state does not fit: ${e.message}`);
      throw e;
    }
  }
  if (parts.scheduler) {
    if (!metadata.scheduler) throw new SafetensorsError(`${path}: no scheduler state in this checkpoint`);
    const saved = schedulerRecord(path, metadata.scheduler);
    try {
      parts.scheduler.loadStateDict(saved);
    } catch (e) {
      if (e instanceof ConfigError) throw new SafetensorsError(`${path}: scheduler state does not fit: ${e.message}`);
      throw e;
    }
  }
  return metadata;
}

interface OptimizerRecord {
  name: string;
  paramGroups: OptimizerStateDict['paramGroups'];
  steps: Record<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHyper = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)));

function parseRecord(path: string, key: string, raw: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new SafetensorsError(`${path}: the '${key}' metadata is not valid JSON`);
  }
  if (!isObject(v)) throw new SafetensorsError(`${path}: the '${key}' metadata is not a JSON object`);
  return v;
}

/** The optimizer metadata of saveCheckpoint, checked field by field: {name, paramGroups: [{params: [ids], lr, ...}], steps: {id: n}}. */
function optimizerRecord(path: string, raw: string): OptimizerRecord {
  const v = parseRecord(path, 'optimizer', raw);
  const bad = (what: string) => new SafetensorsError(`${path}: the 'optimizer' metadata ${what}`);
  if (typeof v.name !== 'string') throw bad('has no optimizer name');
  if (!Array.isArray(v.paramGroups)) throw bad('has no paramGroups list');
  v.paramGroups.forEach((g: unknown, i) => {
    if (!isObject(g) || !Array.isArray(g.params) || !g.params.every(isCount)) throw bad(`group ${i} has no list of parameter indices`);
    if (typeof g.lr !== 'number' || !Number.isFinite(g.lr)) throw bad(`group ${i} has no finite lr`);
    for (const [k, x] of Object.entries(g)) if (k !== 'params' && !isHyper(x)) throw bad(`group ${i} has a malformed '${k}'`);
  });
  if (!isObject(v.steps)) throw bad('has no steps record');
  for (const [id, n] of Object.entries(v.steps)) if (!/^\d+$/.test(id) || !isCount(n)) throw bad('has a malformed step count');
  return v as unknown as OptimizerRecord;
}

/** The scheduler metadata: {lastStep: n, baseLrs: [lr, ...]}. */
function schedulerRecord(path: string, raw: string): LambdaLRState {
  const v = parseRecord(path, 'scheduler', raw);
  if (!isCount(v.lastStep)) throw new SafetensorsError(`${path}: the 'scheduler' metadata has no step count (lastStep)`);
  if (!Array.isArray(v.baseLrs) || !v.baseLrs.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new SafetensorsError(`${path}: the 'scheduler' metadata has no list of base learning rates (baseLrs)`);
  }
  return v as unknown as LambdaLRState;
}
