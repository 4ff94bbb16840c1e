/** batchNorm2d: golden fixtures (train, batch 1, eval), naive reference, running-stat updates, gradcheck, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { batchNorm2d, gradcheck, tensor, Generator, randn, rand, ones, zeros, Tensor, type DType } from '../../src/index.js';
import { loadGolden } from '../golden.js';
import { maxRelErr } from '../helpers/close.js';

const seeded = (shape: number[], seed: number, dtype: DType = 'float64'): Tensor => randn(shape, { dtype, generator: new Generator(seed) });
/** A copy of t in dtype (never shares t's buffer). */
const cast = (t: Tensor, dtype: DType): Tensor => tensor(Float64Array.from(t.data), t.shape, { dtype });
const copy = (t: Tensor): Tensor => cast(t, t.dtype);

/** Naive definition: per channel, loop over (n, h, w) with the statistics the mode prescribes. */
function refBatchNorm(
  x: Tensor,
  rm: Float64Array | null,
  rv: Float64Array | null,
  w: ArrayLike<number> | null,
  b: ArrayLike<number> | null,
  training: boolean,
  momentum: number,
  eps: number,
): Float64Array {
  const [N, C, H, W] = x.shape;
  const y = new Float64Array(x.size);
  const at = (n: number, c: number, i: number): number => ((n * C + c) * H * W) + i;
  for (let c = 0; c < C; c++) {
    let mu: number;
    let v: number;
    if (training) {
      const vals: number[] = [];
      for (let n = 0; n < N; n++) for (let i = 0; i < H * W; i++) vals.push(x.data[at(n, c, i)]);
      mu = vals.reduce((s, u) => s + u, 0) / vals.length;
      v = vals.reduce((s, u) => s + (u - mu) ** 2, 0) / vals.length;
      if (rm && rv) {
        rm[c] = (1 - momentum) * rm[c] + momentum * mu;
        rv[c] = (1 - momentum) * rv[c] + (momentum * v * vals.length) / (vals.length - 1);
      }
    } else {
      mu = rm![c];
      v = rv![c];
    }
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < H * W; i++) {
        y[at(n, c, i)] = ((x.data[at(n, c, i)] - mu) / Math.sqrt(v + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0);
      }
    }
  }
  return y;
}

describe('golden fixtures (PyTorch 2.13)', () => {
  test.each(['bn_train', 'bn_train_n1_2x3', 'bn_eval'])('%s: y, gx, gw, gb and running stats (float64 ≤ 1e-10, float32 ≤ 1e-5)', (name) => {
    const g = loadGolden(`ops/${name}.safetensors`);
    const training = g.attrs.training as boolean;
    expect(g.attrs.momentum).toBe(0.1);
    expect(g.attrs.eps).toBe(1e-5);
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-10 : 1e-5;
      const x = cast(g.get('x'), dtype).requiresGrad_();
      const w = cast(g.get('weight'), dtype).requiresGrad_();
      const b = cast(g.get('bias'), dtype).requiresGrad_();
      const rm = cast(g.get('running_mean'), dtype);
      const rv = cast(g.get('running_var'), dtype);
      const y = batchNorm2d(x, rm, rv, w, b, { training, momentum: 0.1, eps: 1e-5 });
      expect(y.dtype).toBe(dtype);
      y.backward(cast(g.get('gy'), dtype));
      expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(tol);
      expect(maxRelErr(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(tol);
      expect(maxRelErr(w.grad!.data, g.get('gw').data)).toBeLessThanOrEqual(tol);
      expect(maxRelErr(b.grad!.data, g.get('gb').data)).toBeLessThanOrEqual(tol);
      if (training) {
        expect(maxRelErr(rm.data, g.get('running_mean_after').data)).toBeLessThanOrEqual(tol);
        expect(maxRelErr(rv.data, g.get('running_var_after').data)).toBeLessThanOrEqual(tol);
        expect(g.get('num_batches_tracked_after').data[0]).toBe(1); // the module's job, not the op's
      } else {
        expect(Array.from(rm.data)).toEqual(Array.from(cast(g.get('running_mean'), dtype).data));
        expect(Array.from(rv.data)).toEqual(Array.from(cast(g.get('running_var'), dtype).data));
      }
    }
  });

  test('bn_train: the fixture batch statistics reproduce its normalisation', () => {
    const g = loadGolden('ops/bn_train.safetensors');
    // eval mode fed the fixture's batch mean and BIASED variance reproduces the train-mode output
    const y = batchNorm2d(g.get('x'), copy(g.get('batch_mean')), copy(g.get('batch_var')), g.get('weight'), g.get('bias'), { training: false });
    expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(1e-10);
  });
});

describe('forward against the naive definition', () => {
  const bnCase = fc.record({
    N: fc.integer({ min: 1, max: 3 }),
    C: fc.integer({ min: 1, max: 4 }),
    H: fc.integer({ min: 1, max: 5 }),
    W: fc.integer({ min: 1, max: 5 }),
    training: fc.boolean(),
    affine: fc.boolean(),
    track: fc.boolean(),
    momentum: fc.constantFrom(0.1, 0.3, 1),
    eps: fc.constantFrom(1e-5, 1e-3),
    seed: fc.nat(10_000),
  });
  test('y and running stats, float64 and float32', () => {
    fc.assert(
      fc.property(bnCase, (c) => {
        if (c.training && c.N * c.H * c.W === 1) return;
        if (!c.training) c.track = true;
        const gen = new Generator(c.seed);
        const x = randn([c.N, c.C, c.H, c.W], { dtype: 'float64', generator: gen });
        const w = c.affine ? randn([c.C], { dtype: 'float64', generator: gen }) : null;
        const b = c.affine ? randn([c.C], { dtype: 'float64', generator: gen }) : null;
        const rm0 = randn([c.C], { dtype: 'float64', generator: gen });
        const rv0 = rand([c.C], { dtype: 'float64', generator: gen, low: 0.5, high: 2 });
        for (const dtype of ['float64', 'float32'] as const) {
          // the reference sees the same (rounded) inputs as the op and computes in double
          const [xd, wd, bd] = [cast(x, dtype), w && cast(w, dtype), b && cast(b, dtype)];
          const rm = c.track ? cast(rm0, dtype) : null;
          const rv = c.track ? cast(rv0, dtype) : null;
          const rmRef = Float64Array.from(cast(rm0, dtype).data);
          const rvRef = Float64Array.from(cast(rv0, dtype).data);
          const yRef = refBatchNorm(xd, c.track ? rmRef : null, c.track ? rvRef : null, wd?.data ?? null, bd?.data ?? null, c.training, c.momentum, c.eps);
          const y = batchNorm2d(xd, rm, rv, wd, bd, {
            training: c.training,
            momentum: c.momentum,
            eps: c.eps,
          });
          const tol = dtype === 'float64' ? 1e-12 : 1e-5;
          expect(maxRelErr(y.data, yRef)).toBeLessThanOrEqual(tol);
          if (rm && rv) {
            expect(maxRelErr(rm.data, rmRef)).toBeLessThanOrEqual(tol);
            expect(maxRelErr(rv.data, rvRef)).toBeLessThanOrEqual(tol);
          }
        }
      }),
      { numRuns: 60, seed: 3 },
    );
  });

  test('training output has per-channel mean 0 and biased variance 1/(1 + eps/var) for unit affine', () => {
    const x = seeded([2, 3, 4, 5], 9);
    const y = batchNorm2d(x, null, null, ones([3], { dtype: 'float64' }), zeros([3], { dtype: 'float64' }), { training: true, eps: 0 });
    for (let c = 0; c < 3; c++) {
      const vals: number[] = [];
      for (let n = 0; n < 2; n++) for (let i = 0; i < 20; i++) vals.push(y.data[(n * 3 + c) * 20 + i]);
      const m = vals.reduce((s, v) => s + v, 0) / vals.length;
      const v = vals.reduce((s, u) => s + (u - m) ** 2, 0) / vals.length;
      expect(Math.abs(m)).toBeLessThan(1e-14);
      expect(Math.abs(v - 1)).toBeLessThan(1e-13);
    }
  });

  test('running stats: unbiased variance n/(n − 1) and momentum, and untouched in eval', () => {
    // one channel, values 1, 2, 3, 6: mean 3, biased var 3.5, unbiased var 14/3
    const x = tensor([1, 2, 3, 6], [2, 1, 1, 2], { dtype: 'float64' });
    const rm = tensor([10], [1], { dtype: 'float64' });
    const rv = tensor([2], [1], { dtype: 'float64' });
    batchNorm2d(x, rm, rv, null, null, { training: true, momentum: 0.25 });
    expect(rm.data[0]).toBeCloseTo(0.75 * 10 + 0.25 * 3, 14);
    expect(rv.data[0]).toBeCloseTo(0.75 * 2 + (0.25 * 14) / 3, 14);
    const before = [rm.data[0], rv.data[0]];
    batchNorm2d(x, rm, rv, null, null, { training: false });
    expect([rm.data[0], rv.data[0]]).toEqual(before);
  });
});

describe('gradients (float64 gradcheck)', () => {
  const gradCase = fc.record({
    N: fc.integer({ min: 1, max: 3 }),
    C: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 4 }),
    W: fc.integer({ min: 1, max: 4 }),
    training: fc.boolean(),
    affine: fc.boolean(),
    seed: fc.nat(10_000),
  });
  test('x, weight, bias in training and eval, random shapes (size-1 maps, batch 1-3)', () => {
    fc.assert(
      fc.property(gradCase, (c) => {
        if (c.training && c.N * c.H * c.W === 1) return;
        const gen = new Generator(c.seed);
        const x = randn([c.N, c.C, c.H, c.W], { dtype: 'float64', generator: gen });
        const w = randn([c.C], { dtype: 'float64', generator: gen });
        const b = randn([c.C], { dtype: 'float64', generator: gen });
        const rm = randn([c.C], { dtype: 'float64', generator: gen });
        const rv = rand([c.C], { dtype: 'float64', generator: gen, low: 0.5, high: 2 });
        // fresh running-stat copies on every call: gradcheck evaluates the op many times
        const f = c.affine
          ? (u: Tensor, wu: Tensor, bu: Tensor): Tensor => batchNorm2d(u, copy(rm), copy(rv), wu, bu, { training: c.training })
          : (u: Tensor): Tensor => batchNorm2d(u, copy(rm), copy(rv), null, null, { training: c.training });
        gradcheck(f as (...xs: Tensor[]) => Tensor, c.affine ? [x, w, b] : [x], { names: ['x', 'weight', 'bias'] });
      }),
      { numRuns: 40, seed: 5 },
    );
  });

  test('the needs mask: only the inputs that require grad get one', () => {
    const x = seeded([2, 2, 3, 3], 1);
    const w = ones([2], { dtype: 'float64', requiresGrad: true });
    const b = zeros([2], { dtype: 'float64' });
    batchNorm2d(x, null, null, w, b, { training: true }).backward(seeded([2, 2, 3, 3], 2));
    expect(x.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(w.grad!.shape).toEqual([2]);
  });

  test('backward uses weight and bias as they were at the forward (an optimizer may update them in place first)', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const run = (update: boolean): Float64Array => {
        const x = seeded([2, 3, 4, 4], 8, dtype).requiresGrad_();
        const w = seeded([3], 9, dtype).requiresGrad_(), b = seeded([3], 10, dtype).requiresGrad_();
        const y = batchNorm2d(x, null, null, w, b, { training: true });
        if (update) for (let c = 0; c < 3; c++) { w.data[c] += 0.5; b.data[c] -= 0.25; } // what opt.step() would do
        y.backward(seeded([2, 3, 4, 4], 11, dtype));
        return Float64Array.from(x.grad!.data);
      };
      expect(Array.from(run(true))).toEqual(Array.from(run(false)));
    }
  });

  test('training gradient: Σ gx = 0 per channel (the mean is subtracted)', () => {
    const x = seeded([3, 2, 3, 2], 4).requiresGrad_();
    batchNorm2d(x, null, null, seeded([2], 5), seeded([2], 6), { training: true }).backward(seeded([3, 2, 3, 2], 7));
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let n = 0; n < 3; n++) for (let i = 0; i < 6; i++) s += x.grad!.data[(n * 2 + c) * 6 + i];
      expect(Math.abs(s)).toBeLessThan(1e-12);
    }
  });
});

describe('errors', () => {
  const x = zeros([2, 3, 4, 4]);
  const c3 = zeros([3]);
  test('rank, per-channel shapes and dtypes', () => {
    expect(() => batchNorm2d(zeros([2, 3, 4]), null, null, null, null, { training: true })).toThrow(
      'batchNorm2d: expected a 4-D input [N, C, H, W], got rank 3; input [2, 3, 4]',
    );
    expect(() => batchNorm2d(x, zeros([4]), c3, null, null)).toThrow('batchNorm2d: runningMean must have shape [C] = [3]; input [2, 3, 4, 4], runningMean [4]');
    expect(() => batchNorm2d(x, c3, zeros([3, 1]), null, null)).toThrow('batchNorm2d: runningVar must have shape [C] = [3]; input [2, 3, 4, 4], runningVar [3, 1]');
    expect(() => batchNorm2d(x, null, null, zeros([2]), null, { training: true })).toThrow('batchNorm2d: weight must have shape [C] = [3]; input [2, 3, 4, 4], weight [2]');
    expect(() => batchNorm2d(x, null, null, null, zeros([]), { training: true })).toThrow('batchNorm2d: bias must have shape [C] = [3]; input [2, 3, 4, 4], bias []');
    expect(() => batchNorm2d(x, null, null, zeros([3], { dtype: 'float64' }), null, { training: true })).toThrow(
      'batchNorm2d: weight dtype (float64) must match the input dtype (float32); input [2, 3, 4, 4], weight [3]',
    );
    expect(() => batchNorm2d(zeros([2, 3, 4, 4], { dtype: 'int32' }), null, null, null, null, { training: true })).toThrow(
      'batchNorm2d: expects a float input, got int32; input [2, 3, 4, 4]',
    );
  });
  test('one value per channel in training, as PyTorch', () => {
    expect(() => batchNorm2d(zeros([1, 4, 1, 1]), null, null, null, null, { training: true })).toThrow(
      'batchNorm2d: expected more than 1 value per channel when training; input [1, 4, 1, 1]',
    );
    // eval is fine with a single value
    expect(batchNorm2d(zeros([1, 4, 1, 1]), zeros([4]), ones([4]), null, null).shape).toEqual([1, 4, 1, 1]);
  });
  test('running statistics: both or neither, and required in eval', () => {
    expect(() => batchNorm2d(x, c3, null, null, null, { training: true })).toThrow('batchNorm2d: runningMean and runningVar must both be given or both be null');
    expect(() => batchNorm2d(x, null, null, null, null)).toThrow('batchNorm2d: runningMean and runningVar are required in eval mode (training: false)');
  });
  test('bad momentum or eps', () => {
    expect(() => batchNorm2d(x, null, null, null, null, { training: true, eps: -1 })).toThrow('batchNorm2d: eps must be a non-negative finite number, got -1');
    expect(() => batchNorm2d(x, null, null, null, null, { training: true, momentum: NaN })).toThrow('batchNorm2d: momentum must be a finite number, got NaN');
  });
});
