/**
 * .safetensors files on disk (Node): the format itself, bytes in and bytes out, is in safetensors-format.ts.
 */
import { readFileSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync, unlinkSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { parseSafetensors, serializeSafetensors, SafetensorsError, type SafetensorsFile, type SerializeOptions } from './safetensors-format.js';

export * from './safetensors-format.js';

export function loadSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

/** Write atomically: a temporary file beside the target, fsync, then rename, so a crash never leaves half a file. */
export function saveSafetensors(path: string, tensors: Iterable<[string, Tensor]> | Map<string, Tensor>, options: SerializeOptions = {}): void {
  const bytes = serializeSafetensors(tensors, options);
  writeFileAtomic(path, bytes);
}

export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
}
