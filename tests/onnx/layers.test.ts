import { describe, expect, test } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { add, mul } from '../../src/ops/index.js';
import { Module } from '../../src/nn/module.js';
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, GELU, Identity, Linear, MaxPool2d, ReLU, Sequential, Sigmoid, Upsample,
  AvgPool2d, Flatten, GroupNorm, LayerNorm, LeakyReLU, SiLU, Softmax, Tanh,
} from '../../src/nn/layers/index.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { registerOnnxEmitter } from '../../src/onnx/graph.js';
import { maxAbsDiffTensors, randomizeBatchNorm, runOnnx } from './ort.js';

async function expectOrtMatches(m: Module, shape: [number, number, number, number], opset = 17, tol = 1e-4): Promise<number> {
  m.eval();
  const x = randn(shape, { generator: new Generator(3) });
  const ours = noGrad(() => m.forward(x));
  const ort = await runOnnx(exportOnnx(m, { inputShape: shape, opset }), x);
  const err = maxAbsDiffTensors(ort, ours);
  expect(err).toBeLessThanOrEqual(tol);
  return err;
}

describe('each layer emitter matches the layer in onnxruntime-web', () => {
  const g = new Generator(1);
  const zoo = (gelu: GELU): Sequential =>
    new Sequential(
      new Conv2d(3, 4, 3, { padding: 1, paddingMode: 'replicate', generator: g }), //          Pad edge → Conv
      new Conv2d(4, 4, [2, 4], { padding: 'same', generator: g }), //                          asymmetric pads [0, 1, 1, 2]
      new Conv2d(4, 6, 3, { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 2, generator: g }),
      gelu,
      new ConvTranspose2d(6, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, generator: g }),
      new BatchNorm2d(4, { affine: false }), //                                                 constant γ = 1, β = 0
      new Upsample({ scaleFactor: [3, 2], mode: 'nearest' }), //                               floor(dst/3), not round
      new MaxPool2d(3, { stride: 2, padding: 1 }),
      new Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: false }),
      new Upsample({ size: [10, 14], mode: 'bilinear', alignCorners: true }),
      new Conv2d(4, 4, 3, { padding: 2, dilation: 2, paddingMode: 'reflect', generator: g }),
      new ReLU(),
      new Dropout(0.5),
      new Identity(),
      new Sigmoid(),
      new AdaptiveAvgPool2d([2, 7]), //                                                        AveragePool 5x2
      new Linear(7, 3, { generator: g }), //                                                   on the last axis
    );

  test.each([
    ['exact GELU, opset 17', new GELU(), 17],
    ['exact GELU, opset 20', new GELU(), 20],
    ['tanh GELU, opset 17', new GELU('tanh'), 17],
    ['tanh GELU, opset 20', new GELU('tanh'), 20],
  ] as const)('a chain of every layer type (%s)', async (_name, gelu, opset) => {
    const m = zoo(gelu);
    randomizeBatchNorm(m, 2);
    await expectOrtMatches(m, [2, 3, 11, 13], opset);
  });

  test('a chain of the other layers: GroupNorm, LeakyReLU, SiLU, Tanh, AvgPool2d, Softmax, Flatten', async () => {
    const gn = new GroupNorm(2, 6), gn2 = new GroupNorm(3, 6, { affine: false, eps: 1e-3 });
    for (const p of [gn.weight!, gn.bias!]) p.data.set(randn([6], { generator: new Generator(9) }).data);
    const m = new Sequential(
      new Conv2d(3, 6, 3, { padding: 1, generator: g }),
      gn, //                                                                                     γ, β random
      new LeakyReLU(0.2),
      new SiLU(),
      new AvgPool2d(2),
      new Tanh(),
      gn2,
      new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      new Softmax(1),
      new Flatten(), //                                                                          ONNX Flatten, axis 1
      new Linear(6 * 5 * 6, 4, { generator: g }),
    );
    await expectOrtMatches(m, [2, 3, 11, 13]);
    await expectOrtMatches(new Sequential(new Flatten(0, 1)), [2, 3, 4, 5]); //                  Reshape [-1, 4, 5]
    await expectOrtMatches(new Sequential(new Flatten(2)), [2, 3, 4, 5]); //                     Reshape [0, 0, -1]
    expect(() => exportOnnx(new Sequential(new AvgPool2d(2, { ceilMode: true })), { inputShape: [1, 1, 5, 5] })).toThrow(
      'exportOnnx: 0: AvgPool2d with ceilMode is not supported',
    );
  });

  test('LayerNorm exports as LayerNormalization over its last dims (opset ≥ 17)', async () => {
    const ln = new LayerNorm([4, 5], { eps: 1e-3 });
    ln.weight!.data.set(randn([4, 5], { generator: new Generator(4) }).data);
    ln.bias!.data.set(randn([4, 5], { generator: new Generator(5) }).data);
    await expectOrtMatches(new Sequential(ln), [2, 3, 4, 5]);
    await expectOrtMatches(new Sequential(new LayerNorm(5, { elementwiseAffine: false })), [2, 3, 4, 5], 18);
    expect(() => exportOnnx(new Sequential(new LayerNorm(5)), { inputShape: [1, 2, 3, 5], opset: 16 })).toThrow(
      'exportOnnx: 0: LayerNorm needs opset ≥ 17 (LayerNormalization), got opset 16',
    );
  });

  test('circular padding exports as Pad mode wrap from opset 19', async () => {
    const m = new Sequential(new Conv2d(2, 3, 3, { padding: [1, 2], paddingMode: 'circular', generator: g }));
    await expectOrtMatches(m, [1, 2, 7, 9], 19);
    expect(() => exportOnnx(m, { inputShape: [1, 2, 7, 9] })).toThrow(
      "exportOnnx: Conv2d with paddingMode 'circular' needs opset ≥ 19 (Pad mode 'wrap'), got opset 17",
    );
  });

  test('a model that is the identity gets an Identity node to "out"', async () => {
    const m = new Sequential(new Identity(), new Dropout());
    const x = randn([1, 2, 3, 4], { generator: new Generator(5) });
    expect(Array.from((await runOnnx(exportOnnx(m, { inputShape: [1, 2, 3, 4] }), x)).data)).toEqual(Array.from(x.data));
  });
});

describe('custom modules', () => {
  /** y = 2x + 1 per element, written with functional ops as a user block would be. */
  class ScaleShift extends Module {
    forward(x: Tensor): Tensor {
      return add(mul(x, 2), 1);
    }
  }
  class Unregistered extends Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }

  test('registerOnnxEmitter teaches the exporter a new block', async () => {
    registerOnnxEmitter(ScaleShift, (gr, _m, x) => gr.add(gr.mul(x, gr.scalar(2)), gr.scalar(1)));
    await expectOrtMatches(new Sequential(new Conv2d(1, 2, 3, { generator: new Generator(4) }), new ScaleShift()), [1, 1, 6, 6]);
  });

  test('a module without an emitter is a clear error naming its class and path', () => {
    class Net extends Module {
      readonly block = this.child('block', new Unregistered());
      forward(x: Tensor): Tensor {
        return this.block.forward(x);
      }
    }
    registerOnnxEmitter(Net, (gr, m, x) => gr.call(m.block, x));
    expect(() => exportOnnx(new Net(), { inputShape: [1, 1, 4, 4] })).toThrow(
      "exportOnnx: no ONNX emitter for Unregistered at 'block'; register one with registerOnnxEmitter(Unregistered, (g, m, x) => ...)",
    );
  });
});

describe('errors', () => {
  const m = new AMSUnet({ inChannels: 3, baseC: 4, generator: new Generator(6) });

  test('bad options', () => {
    expect(() => exportOnnx(m, { inputShape: [1, 3, 37] as never })).toThrow('exportOnnx: inputShape must be [N, C, H, W] of positive integers, got [1,3,37]');
    expect(() => exportOnnx(m, { inputShape: [1, 3, 32, 0] })).toThrow('exportOnnx: inputShape must be [N, C, H, W] of positive integers, got [1,3,32,0]');
    expect(() => exportOnnx(m, { inputShape: [1, 3, 32, 32], opset: 12 })).toThrow('exportOnnx: opset must be an integer in [13, 22], got 12');
  });

  test('an input shape that does not fit the model names the layer', () => {
    expect(() => exportOnnx(m, { inputShape: [1, 1, 32, 32] })).toThrow('exportOnnx: in_conv.0: Conv2d expects 3 input channels, the graph gives it 1');
    expect(() => exportOnnx(m, { inputShape: [1, 3, 8, 8] })).toThrow(
      'exportOnnx: down4.1: window 2 is larger than the padded input 1; the input shape is too small for this model',
    );
  });

  test('BatchNorm2d without running statistics cannot be exported as eval-mode BatchNormalization', () => {
    expect(() => exportOnnx(new Sequential(new BatchNorm2d(2, { trackRunningStats: false })), { inputShape: [1, 2, 4, 4] })).toThrow(
      'exportOnnx: BatchNorm2d without running statistics (trackRunningStats = false) normalises with batch statistics',
    );
  });

  test('AdaptiveAvgPool2d to a size that does not tile the input', () => {
    expect(() => exportOnnx(new Sequential(new AdaptiveAvgPool2d(3)), { inputShape: [1, 2, 7, 9] })).toThrow(
      'exportOnnx: AdaptiveAvgPool2d to [3, 3] needs an input size divisible by it (got [7, 9]); only output size 1 works with dynamic sizes',
    );
  });
});
