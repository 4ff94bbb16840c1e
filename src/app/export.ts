/**
 * `amsunet export` as a function: a checkpoint's model as an ONNX file or as PyTorch-loadable safetensors.
 *
 * onnx: the eval-mode forward (src/onnx), opset 17 by default, batch and spatial sizes left free (dim_params N, H,
 * W), one input `input` [N, C, H, W] float32 (normalised as the checkpoint says: mean/std are in its metadata and
 * in this function's result, not in the graph) and one output `out`, the logits [N, classes, H, W].
 *
 * pytorch: the model's state dict as `safetensors.torch.save_file(model.state_dict())` writes it. Our parameter
 * and buffer names are the official PyTorch AMSUnet's (`in_conv.0.weight`, `down1.2.attn.conv1.weight`, ...:
 * the modules are built with PyTorch's attribute names and order, which is what lets `--init` and `loadModel` take
 * converted official weights as they are), so no renaming happens here or anywhere: the file is the loaded model's
 * stateDict(), float tensors in float32 and num_batches_tracked as I64, with the checkpoint's metadata kept
 * (PyTorch ignores it; our loader reads the config back from it). A training state file
 * (train_state.safetensors) loses its optimizer tensors.
 *
 * Both are written atomically (a temporary file, fsync, rename): a failure never leaves a partial file at `out`.
 */
import { writeFileAtomic } from '../io/safetensors.js';
import { stateDictBytes } from '../io/checkpoint-format.js';
import { exportOnnx } from '../onnx/export.js';
import { checkOutputFile, writingOutput } from './output-paths.js';
import { loadModel } from './load-model.js';
import { UsageError } from './errors.js';
import type { ModelConfig } from './model-config.js';

export const EXPORT_FORMATS = ['onnx', 'pytorch'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  checkpoint?: string;
  format?: string;
  out?: string;
  /** ONNX opset (default 17). */
  opset?: number;
}

export interface ExportResult {
  out: string;
  format: ExportFormat;
  bytes: number;
  config: ModelConfig;
  /** Tensors written (pytorch) or initializers of the graph (onnx: the state dict's float tensors). */
  tensors: number;
  seconds: number;
}

/** The model of `checkpoint` as the bytes of `format`. */
export function exportBytes(loaded: ReturnType<typeof loadModel>, format: ExportFormat, opset = 17): { bytes: Uint8Array; tensors: number } {
  const { model, config, metadata } = loaded;
  if (format === 'onnx') {
    // The shape only seeds the checks; N, H and W stay free in the graph.
    const bytes = exportOnnx(model, { inputShape: [1, config.inChannels, config.size, config.size], opset, dynamicBatch: true, dynamicSpatial: true });
    return { bytes, tensors: [...model.stateDict().values()].filter((t) => t.dtype !== 'int32').length };
  }
  const sd = model.stateDict();
  return { bytes: stateDictBytes(sd, { ...metadata, format: 'pt' }), tensors: sd.size };
}

export function exportModel(o: ExportOptions): ExportResult {
  const t0 = performance.now();
  if (!o.checkpoint) throw new UsageError('--checkpoint is required');
  if (!o.format) throw new UsageError(`--format is required (${EXPORT_FORMATS.join(' or ')})`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format must be ${EXPORT_FORMATS.join(' or ')}, got ${JSON.stringify(o.format)}`);
  if (!o.out) throw new UsageError('--out is required (the file to write)');
  const format = o.format as ExportFormat;
  checkOutputFile(o.out, '--out');
  const loaded = loadModel(o.checkpoint);
  const { bytes, tensors } = exportBytes(loaded, format, o.opset);
  writingOutput(o.out, '--out', () => writeFileAtomic(o.out!, bytes));
  return { out: o.out, format, bytes: bytes.length, config: loaded.config, tensors, seconds: (performance.now() - t0) / 1000 };
}
