/** `amsunet export`: call exportModel and print what was written. */
import type { FlagValues } from './args.js';
import { exportModel } from '../app/export.js';

export function exportMain(v: FlagValues): void {
  const r = exportModel({ checkpoint: v.checkpoint as string | undefined, format: v.format as string | undefined, out: v.out as string | undefined, opset: v.opset as number | undefined });
  if (v.json) {
    process.stdout.write(JSON.stringify({ ...r }) + '\n');
    return;
  }
  const c = r.config;
  const norm = c.mean.length ? `normalise inputs with mean [${c.mean.map((x) => +x.toFixed(4)).join(', ')}], std [${c.std.map((x) => +x.toFixed(4)).join(', ')}]` : 'no normalisation stored in the checkpoint';
  const what = r.format === 'onnx'
    ? `ONNX opset ${v.opset ?? 17}, input 'input' [N, ${c.inChannels}, H, W] float32, output 'out' [N, ${c.numClasses}, H, W] logits; ${norm}`
    : `safetensors, ${r.tensors} tensors with the official PyTorch names (state_dict of ${c.model} in_channels=${c.inChannels}, num_classes=${c.numClasses}, base_c=${c.baseC})`;
  process.stdout.write(`wrote ${r.out} (${(r.bytes / 1e6).toFixed(2)} MB): ${what}\n`);
}
