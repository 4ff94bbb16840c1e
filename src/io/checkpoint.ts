/**
 * State dicts and training checkpoints on disk, as .safetensors files (Node). The formats are in
 * checkpoint-format.ts, bytes in and bytes out, on every platform.
 */
import type { Module, StateDict } from '../nn/module.js';
import { loadSafetensors, writeFileAtomic } from './safetensors.js';
import { checkpointBytes, restoreCheckpoint, splitFile, stateDictBytes, type CheckpointParts, type StateDictFile } from './checkpoint-format.js';

export * from './checkpoint-format.js';

/** Write a module's (or a state dict's) tensors to a .safetensors file, atomically, with string metadata. */
export function saveStateDict(path: string, source: Module | StateDict, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, stateDictBytes(source, metadata));
}

/** Read a .safetensors state dict (PyTorch's or ours); optimizer tensors of a training checkpoint are left out. */
export function loadStateDictFile(path: string): StateDictFile {
  return splitFile(loadSafetensors(path)).model;
}

/** Save model, optimizer and scheduler state in one file; `metadata` is stored alongside (e.g. epoch, best Dice). */
export function saveCheckpoint(path: string, parts: CheckpointParts, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, checkpointBytes(parts, metadata));
}

/**
 * Restore a checkpoint written by saveCheckpoint into the given model (strict) and, when given, the optimizer and
 * scheduler (which must be built the same way as when saving). Returns the file's metadata.
 */
export function loadCheckpoint(path: string, parts: CheckpointParts): Record<string, string> {
  return restoreCheckpoint(loadSafetensors(path), path, parts);
}
