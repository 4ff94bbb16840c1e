/** exportOnnx written to a file (Node). */
import type { Module } from '../nn/module.js';
import { writeFileAtomic } from '../io/safetensors.js';
import { exportOnnx, type ExportOnnxOptions } from './export.js';

/** exportOnnx, written to `path` atomically (a temporary file, fsync, rename). */
export function saveOnnx(path: string, model: Module, options: ExportOnnxOptions): void {
  writeFileAtomic(path, exportOnnx(model, options));
}
