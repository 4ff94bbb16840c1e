import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import type { Module } from '../../src/nn/module.js';
import { BatchNorm2d } from '../../src/nn/layers/batch-norm2d.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { UNet } from '../../src/models/unet/unet.js';
import { exportOnnx, type ExportOnnxOptions } from '../../src/onnx/export.js';
import { saveOnnx } from '../../src/onnx/save.js';
import { loadGolden } from '../golden.js';
import { modelFromFixture } from '../models/fixture-model.js';
import { maxAbsDiffTensors, onnxSchema, randomizeBatchNorm, runOnnx } from './ort.js';

const SHAPE = [1, 3, 37, 53] as const; // odd sizes: Up pads the upsampled map at up2 and up4

const amsunet = (bilinear = true): AMSUnet => new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, bilinear, generator: new Generator(11) });
const unet = (bilinear = true): UNet => new UNet({ inChannels: 3, numClasses: 2, baseC: 4, bilinear, generator: new Generator(12) });

/** A seeded model with non-trivial BatchNorm statistics, in eval mode. */
function prepared(make: () => Module): Module {
  const m = make();
  randomizeBatchNorm(m, 5);
  return m.eval();
}

/** Our eval forward and onnxruntime-web's output of the export, on the same input. */
async function bothOutputs(m: Module, x: Tensor, options: ExportOnnxOptions): Promise<{ ours: Tensor; ort: Tensor }> {
  const ours = noGrad(() => m.forward(x));
  const ort = await runOnnx(exportOnnx(m, options), x);
  return { ours, ort };
}

/** Decode an exported file with the protobufjs ONNX schema (independent of our writer). */
function decode(bytes: Uint8Array) {
  return onnxSchema.ModelProto.toObject(onnxSchema.ModelProto.decode(bytes), { longs: Number, bytes: Array, defaults: false });
}

const attr = (node: { attribute?: { name: string; s?: number[]; i?: number; ints?: number[] }[] }, name: string) => {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.s ? Buffer.from(a.s).toString() : (a?.ints ?? a?.i);
};
const dims = (v: { type: { tensorType: { shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }) =>
  v.type.tensorType.shape.dim.map((d) => d.dimValue ?? d.dimParam ?? null);

describe('exported models run in onnxruntime-web and match the eval forward (max abs error ≤ 1e-4)', () => {
  const cases = [
    { name: 'AMSUnet (bilinear), opset 17: GELU as x·½·(1 + Erf(x/√2))', make: () => amsunet(), opset: 17 },
    { name: 'AMSUnet (bilinear), opset 20: the Gelu op', make: () => amsunet(), opset: 20 },
    { name: 'AMSUnet bilinear = false: ConvTranspose upsampling', make: () => amsunet(false), opset: 17 },
    { name: 'UNet (bilinear): MaxPool, Resize, BatchNorm + Relu', make: () => unet(), opset: 17 },
    { name: 'UNet bilinear = false: ConvTranspose upsampling', make: () => unet(false), opset: 17 },
  ];

  test.each(cases)('$name', async ({ make, opset }) => {
    const m = prepared(make);
    const x = randn([...SHAPE], { generator: new Generator(7) });
    const { ours, ort } = await bothOutputs(m, x, { inputShape: SHAPE, opset });
    expect(ort.shape).toEqual([1, 2, 37, 53]);
    expect(maxAbsDiffTensors(ort, ours)).toBeLessThanOrEqual(1e-4);
    // the comparison is not vacuous: the logits vary across pixels by much more than the tolerance
    expect(Math.max(...ours.data) - Math.min(...ours.data)).toBeGreaterThan(0.1);
  });

  test('the official PyTorch weights (golden fixture, 1x1x37x53): ONNX Runtime reproduces PyTorch\'s eval logits', async () => {
    const g = loadGolden('model/model_b8_in1_c2_1x1x37x53.safetensors');
    const m = modelFromFixture(g, 'state.').eval();
    const x = g.get('input');
    const ort = await runOnnx(exportOnnx(m, { inputShape: [1, 1, 37, 53] }), x);
    expect(maxAbsDiffTensors(ort, g.get('eval.logits'))).toBeLessThanOrEqual(1e-4);
  });

  test.each([
    ['AMSUnet', () => amsunet()],
    ['UNet', () => unet()],
  ] as const)('%s with dynamic batch and spatial sizes runs at other sizes (Up\'s pads computed in the graph)', async (_name, make) => {
    const m = prepared(make);
    const bytes = exportOnnx(m, { inputShape: SHAPE, dynamicBatch: true, dynamicSpatial: true });
    const model = decode(bytes);
    expect(dims(model.graph.input[0])).toEqual(['N', 3, 'H', 'W']);
    expect(dims(model.graph.output[0])).toEqual(['N', 2, 'H', 'W']);
    for (const [i, shape] of [[2, 3, 37, 53], [1, 3, 32, 48], [1, 3, 35, 50]].entries()) {
      const x = randn(shape, { generator: new Generator(20 + i) });
      const ort = await runOnnx(bytes, x);
      expect(maxAbsDiffTensors(ort, noGrad(() => m.forward(x)))).toBeLessThanOrEqual(1e-4);
    }
  });

  test('a model left in train mode is exported in eval mode, and is not modified', async () => {
    const m = prepared(() => amsunet()).train();
    const before = [...m.stateDict()].map(([k, t]) => [k, Array.from(t.data)]);
    const bytes = exportOnnx(m, { inputShape: SHAPE });
    expect(m.modules().every((mod) => mod.training)).toBe(true);
    expect([...m.stateDict()].map(([k, t]) => [k, Array.from(t.data)])).toEqual(before);
    const x = randn([...SHAPE], { generator: new Generator(8) });
    const ort = await runOnnx(bytes, x);
    expect(maxAbsDiffTensors(ort, noGrad(() => m.eval().forward(x)))).toBeLessThanOrEqual(1e-4);
  });
});

describe('the exported graph', () => {
  test('initializers are the weights and running statistics, named by state-dict key, float32, same shape and values', () => {
    const m = prepared(() => amsunet());
    const model = decode(exportOnnx(m, { inputShape: SHAPE }));
    const sd = m.stateDict();
    const inits = new Map<string, { dims?: number[]; dataType: number; rawData: number[] }>(model.graph.initializer.map((t: { name: string }) => [t.name, t]));
    const exported = [...inits.keys()].filter((k) => sd.has(k)).sort();
    expect(exported).toEqual([...sd.keys()].filter((k) => !k.endsWith('num_batches_tracked')).sort());
    for (const key of exported) {
      const t = sd.get(key)!;
      const init = inits.get(key)!;
      expect([key, init.dataType, init.dims ?? []]).toEqual([key, 1, [...t.shape]]);
      expect(new Float32Array(Uint8Array.from(init.rawData).buffer)).toEqual(Float32Array.from(t.data));
    }
  });

  test('model header, input "input", output "out", and the ops each layer becomes', () => {
    const m = prepared(() => amsunet());
    const model = decode(exportOnnx(m, { inputShape: SHAPE }));
    expect(model.irVersion).toBe(8);
    expect(model.opsetImport).toEqual([{ version: 17 }]);
    expect(model.producerName).toBe('amsunet-ts');
    const g = model.graph;
    expect(g.input.map((v: { name: string }) => v.name)).toEqual(['input']);
    expect(g.output.map((v: { name: string }) => v.name)).toEqual(['out']);
    expect(dims(g.output[0])).toEqual([1, 2, 37, 53]);
    expect(g.node.at(-1)).toMatchObject({ name: 'out_conv.0/Conv', opType: 'Conv', output: ['out'] });

    // the reflect-padded stem: Pad(mode reflect) then an unpadded Conv
    const [pad, conv] = g.node;
    expect([pad.name, pad.opType, attr(pad, 'mode'), pad.input[0]]).toEqual(['in_conv.0/Pad', 'Pad', 'reflect', 'input']);
    expect([conv.name, attr(conv, 'pads'), conv.input]).toEqual(['in_conv.0/Conv', [0, 0, 0, 0], [pad.output[0], 'in_conv.0.weight', 'in_conv.0.bias']]);

    const byOp = (op: string) => g.node.filter((n: { opType: string }) => n.opType === op);
    expect(byOp('Gelu')).toHaveLength(0);
    expect(byOp('Erf').length).toBeGreaterThan(0);
    const dilated = g.node.find((n: { name: string }) => n.name === 'down4.2.attn.ams.conv0/Conv');
    expect([attr(dilated, 'dilations'), attr(dilated, 'pads'), attr(dilated, 'group')]).toEqual([[5, 5], [5, 5, 5, 5], 32]); // depth-wise on 8C = 32 channels
    // odd sizes 37x53 → up2 (8x12 → 9x13) and up4 (36x52 → 37x53) pad with zeros at the bottom/right
    expect(byOp('Pad').filter((n: object) => attr(n, 'mode') === 'constant').map((n: { name: string }) => n.name)).toEqual(['up2/Pad', 'up4/Pad']);
    for (const r of byOp('Resize')) expect([attr(r, 'mode'), attr(r, 'coordinate_transformation_mode')]).toEqual(['linear', 'align_corners']);
    expect(byOp('Resize')).toHaveLength(4);
    expect(byOp('BatchNormalization')).toHaveLength(m.modules().filter((x) => x instanceof BatchNorm2d).length);
  });

  test('opset 20 uses Gelu; U-Net uses MaxPool; bilinear = false uses ConvTranspose', () => {
    const ops = (m: Module, opset = 17) => new Set(decode(exportOnnx(prepared(() => m), { inputShape: SHAPE, opset })).graph.node.map((n: { opType: string }) => n.opType));
    const a20 = ops(amsunet(), 20);
    expect([a20.has('Gelu'), a20.has('Erf')]).toEqual([true, false]);
    expect(ops(unet()).has('MaxPool')).toBe(true);
    const t = ops(amsunet(false));
    expect([t.has('ConvTranspose'), t.has('Resize')]).toEqual([true, false]);
  });

  test('saveOnnx writes the same bytes atomically (no temporary file left)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-'));
    try {
      const m = prepared(() => unet());
      const path = join(dir, 'unet.onnx');
      saveOnnx(path, m, { inputShape: SHAPE });
      const bytes = new Uint8Array(readFileSync(path));
      expect(Buffer.from(bytes).equals(exportOnnx(m, { inputShape: SHAPE }))).toBe(true);
      expect(readdirSync(dir)).toEqual(['unet.onnx']);
      const x = randn([...SHAPE], { generator: new Generator(9) });
      expect(maxAbsDiffTensors(await runOnnx(bytes, x), noGrad(() => m.forward(x)))).toBeLessThanOrEqual(1e-4);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
