/**
 * Ops whose outputs come from allocUninit must write every element. Each case computes an op on a fresh buffer,
 * releases the result into a poisoned pool (released buffers are filled with NaN), computes it again on that
 * recycled NaN-filled buffer, and requires the same bits. A kernel that skipped an element would leave a NaN.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { MIN_ELEMENTS, bufferPoolStats, resetBufferPoolStats } from '../../src/tensor/buffer-pool.js';
import { sameOnPoisonedBuffer, usePoisonedPool } from '../poison.js';
import { add, mul, sub, div, maximum, conv2d, gelu, relu, sigmoid, tanh, batchNorm2d, interpolate } from '../../src/ops/index.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { randint } from '../../src/tensor/create.js';

usePoisonedPool();


const dtypes = fc.constantFrom('float32' as const, 'float64' as const);

describe('outputs from allocUninit are written in full', () => {
  it('element-wise arithmetic with and without broadcasting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 16, max: 40 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 99 }), dtypes, (c, hw, pattern, seed, dtype) => {
        const g = new Generator(seed);
        const shape = [2, c, hw, 32 * hw];
        const a = randn(shape, { generator: g, dtype });
        const bShape = [shape, [c, 1, 1], [1, c, hw, 1], [32 * hw], []][pattern];
        const b = randn(bShape, { generator: g, dtype });
        for (const op of [add, sub, mul, div, maximum]) sameOnPoisonedBuffer(() => op(a, b));
        sameOnPoisonedBuffer(() => mul(b, a));
      }),
      { numRuns: 15, seed: 11 },
    );
  });

  it('activations, forward and backward', () => {
    const x = randn([3, 8, 32, 32], { generator: new Generator(1) });
    const gy = randn([3, 8, 32, 32], { generator: new Generator(2) });
    for (const f of [gelu, relu, sigmoid, tanh, (t: Tensor) => gelu(t, { approximate: 'tanh' })]) {
      sameOnPoisonedBuffer(() => f(x));
      sameOnPoisonedBuffer(() => {
        const leaf = x.detach().requiresGrad_();
        f(leaf).backward(gy);
        const gx = leaf.grad!;
        return gx;
      });
    }
  });

  it('conv2d forward over random geometry: groups, stride, padding modes, dilation, kernels wider than the input', () => {
    fc.assert(
      fc.property(
        fc.record({
          groups: fc.constantFrom(1, 2, 4),
          perGroupIn: fc.integer({ min: 1, max: 3 }),
          perGroupOut: fc.integer({ min: 1, max: 3 }),
          k: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })),
          stride: fc.integer({ min: 1, max: 2 }),
          dilation: fc.integer({ min: 1, max: 3 }),
          pad: fc.integer({ min: 0, max: 3 }),
          mode: fc.constantFrom('zeros' as const, 'reflect' as const, 'replicate' as const, 'circular' as const),
          bias: fc.boolean(),
          seed: fc.integer({ min: 0, max: 99 }),
          dtype: dtypes,
        }),
        (o) => {
          const g = new Generator(o.seed);
          const Cin = o.groups * o.perGroupIn, Cout = o.groups * o.perGroupOut;
          const H = 24, W = 5; // W small: kernels up to 7 wide are wider than the input with padding 0
          const pad = o.mode === 'zeros' ? o.pad : Math.min(o.pad, W - 1, H - 1);
          const effW = o.dilation * (o.k[1] - 1) + 1, effH = o.dilation * (o.k[0] - 1) + 1;
          if (W + 2 * pad < effW || H + 2 * pad < effH) return; // not a valid convolution: covered by the error tests
          const oH = Math.floor((H + 2 * pad - effH) / o.stride) + 1, oW = Math.floor((W + 2 * pad - effW) / o.stride) + 1;
          const N = Math.ceil(MIN_ELEMENTS / Math.min(Cout * oH * oW, Cin * H * W)); // output and input gradient both pool-size
          const x = randn([N, Cin, H, W], { generator: g, dtype: o.dtype });
          const w = randn([Cout, o.perGroupIn, o.k[0], o.k[1]], { generator: g, dtype: o.dtype });
          const b = o.bias ? randn([Cout], { generator: g, dtype: o.dtype }) : null;
          const opts = { stride: o.stride, padding: pad, dilation: o.dilation, groups: o.groups, paddingMode: o.mode };
          sameOnPoisonedBuffer(() => conv2d(x, w, b, opts));
          // the input gradient (its buffer is uninitialised too)
          const gy = randn(conv2d(x, w, b, opts).shape, { generator: g, dtype: o.dtype });
          sameOnPoisonedBuffer(() => {
            const leaf = x.detach().requiresGrad_();
            conv2d(leaf, w, b, opts).backward(gy);
            return leaf.grad!;
          });
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });

  it('depth-wise and 1x1 convs at AMSUnet shapes, batchNorm2d and bilinear/nearest interpolate', () => {
    const g = new Generator(4);
    const x = randn([1, 16, 32, 32], { generator: g });
    for (const [k, pad, dil] of [[[3, 3], [1, 1], 1], [[3, 3], [3, 3], 3], [[1, 11], [0, 5], 1], [[7, 1], [3, 0], 1]] as const) {
      const w = randn([16, 1, k[0], k[1]], { generator: g }), b = randn([16], { generator: g });
      sameOnPoisonedBuffer(() => conv2d(x, w, b, { padding: [...pad], dilation: dil, groups: 16 }));
    }
    const w1 = randn([32, 16, 1, 1], { generator: g }), b1 = randn([32], { generator: g });
    sameOnPoisonedBuffer(() => conv2d(x, w1, b1));
    const rm = randn([16], { generator: g }), rv = randn([16], { generator: g }).abs();
    const gamma = randn([16], { generator: g }), beta = randn([16], { generator: g });
    sameOnPoisonedBuffer(() => batchNorm2d(x, rm, rv, gamma, beta, { training: false }));
    sameOnPoisonedBuffer(() => batchNorm2d(x, null, null, null, null, { training: true }));
    for (const alignCorners of [false, true]) {
      sameOnPoisonedBuffer(() => interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners }));
    }
    sameOnPoisonedBuffer(() => interpolate(x, { size: [40, 32], mode: 'nearest' }));
  });

  it('an AMSUnet training step on poisoned recycled buffers gives the same loss and gradients as on fresh ones', () => {
    const g = new Generator(8);
    const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: g }).train();
    const x = randn([2, 3, 64, 64], { generator: g });
    const y = randint(0, 2, [2, 64, 64], { generator: g });
    const step = (): { loss: number; grads: number[][] } => {
      model.zeroGrad();
      const loss = amsunetCriterion(model.forward(x), y);
      const value = loss.item();
      loss.backward(undefined, { recycle: true });
      return { loss: value, grads: model.parameters().map((p) => Array.from(p.grad!.data)) };
    };
    const fresh = step(); // BatchNorm running stats move, but train-mode BN uses batch statistics: same outputs
    resetBufferPoolStats();
    const recycled = step();
    expect(bufferPoolStats().reused).toBeGreaterThan(50);
    expect(recycled.loss).toBe(fresh.loss);
    expect(recycled.grads).toEqual(fresh.grads);
  });
});
