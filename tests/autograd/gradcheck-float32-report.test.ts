/**
 * checkFloat32's report and its edges (src/autograd/check-float32.ts): the worst element as reported (index, what,
 * backend, threads, ties, NaN), the message, the bound, the options (maxOutput, seed, backends, threads), what it
 * restores, and ops with no output or an unused input. Written to kill the mutants of check-float32.ts the registry
 * sweep (gradcheck-float32.test.ts) lets through (README, "Mutation score").
 */
import { describe, expect, test } from 'vitest';
import { checkFloat32, Float32CheckError, FLOAT32_UNIT_ROUNDOFF, customOp, mul, exp, tensor, randn, Generator, Tensor, ConfigError } from '../../src/index.js';
import { getBackend, setBackend, getThreads, setThreads, wasmFeatures } from '../../src/backend/index.js';

const x23 = randn([2, 3], { dtype: 'float64', generator: new Generator(1) });

/** 2x, exact in float32 too, whose float32 backward is off by 1e-3 at flat element `at` only. */
const offAt = (at: number) =>
  customOp(`offAt${at}`, {
    forward: (_ctx, x: Tensor) => mul(x, 2),
    backward(_ctx, gy) {
      const g = mul(gy, 2);
      if (gy.dtype === 'float32') g.data[at] += 1e-3;
      return [g];
    },
  });

function failure(run: () => unknown): Float32CheckError {
  try {
    run();
  } catch (e) {
    if (e instanceof Float32CheckError) return e;
    throw e;
  }
  throw new Error('checkFloat32 passed');
}

describe('the report of a failing check', () => {
  test('names the input by position, the element unravelled, one thread in the singular; the error is a Float32CheckError by name', () => {
    const e = failure(() => checkFloat32((x) => offAt(5)(x), [x23], { backends: ['js'], threads: [1] }));
    expect(e.name).toBe('Float32CheckError');
    expect(e.report.worst).toMatchObject({ what: 'gradient of input 0', index: [1, 2], backend: 'js', threads: 1 });
    expect(e.message).toMatch(/^checkFloat32 offAt5: gradient of input 0 at \[1, 2\] on js with 1 thread: float32 /);
  });

  test('two threads in the plural', () => {
    const e = failure(() => checkFloat32((x) => offAt(4)(x), [x23], { backends: ['js'], threads: [2] }));
    expect(e.message).toMatch(/^checkFloat32 offAt4: gradient of input 0 at \[1, 1\] on js with 2 threads: float32 /);
  });

  test('a NaN in the bound fails the check even after finite elements (it is not hidden by them)', () => {
    // 0.1·x whose backward gives NaN for element 0 when its cotangent is exactly 0: every Jacobian row but the first
    // (one-hot cotangents) has a NaN, so the bound of every output but the first is NaN
    const nanRow = customOp('nanRow', {
      forward: (_ctx, x: Tensor) => mul(x, 0.1),
      backward(_ctx, gy) {
        const g = mul(gy, 0.1);
        if (gy.data[0] === 0) g.data[0] = Number.NaN;
        return [g];
      },
    });
    const x = tensor([0.3, 0.7, 1.9, 2.3], [4], { dtype: 'float64' });
    const e = failure(() => checkFloat32((t) => nanRow(t), [x], { backends: ['js'], threads: [1] }));
    expect(e.report.worst.ratio).toBeNaN();
  });
});

describe('the worst element of a passing check', () => {
  test('an exact op: ratio 0 everywhere, the first element compared is reported (output [0], first backend and thread count)', () => {
    const r = checkFloat32((x) => mul(x, 2), [x23], { backends: ['js'], threads: [1, 2] });
    expect(r.worst).toEqual({ ratio: 0, what: 'output', index: [0, 0], backend: 'js', threads: 1, float32: 2 * Math.fround(x23.data[0]), float64: 2 * Math.fround(x23.data[0]), unit: r.worst.unit });
    expect(r.runs).toEqual([{ backend: 'js', threads: 1 }, { backend: 'js', threads: 2 }]);
  });

  test('the bound is inclusive: an exact op passes with k = 0', () => {
    expect(checkFloat32((x) => mul(x, 2), [x23], { backends: ['js'], threads: [1], k: 0 }).k).toBe(0);
  });

  test('an op with no output element reports ratio 0 at the output, on the first backend and thread count', () => {
    const r = checkFloat32((x) => exp(x), [tensor([], [0], { dtype: 'float64' })], { backends: ['js'], threads: [2, 1] });
    expect(r.worst).toEqual({ ratio: 0, what: 'output', index: [], backend: 'js', threads: 2, float32: 0, float64: 0, unit: 0 });
  });

  test('an int32 input gets no gradient comparison: with nothing else to compare, the report is the empty one', () => {
    const idx = tensor([0, 1, 2], [3], { dtype: 'int32' });
    const r = checkFloat32((_i, x) => mul(x, 2), [idx, tensor([], [0], { dtype: 'float64' })], { backends: ['js'], threads: [1] });
    expect(r.worst).toEqual({ ratio: 0, what: 'output', index: [], backend: 'js', threads: 1, float32: 0, float64: 0, unit: 0 });
  });

  test('the forward bound counts |J_ij·x_j|: exp(0.3·x) at x ≈ 250 passes, its float32 error ~75 roundings of |y|', () => {
    // the float32 forward rounds 0.3·x (≈ 75) first: y is off by up to 75·u·|y|, within u·(|y| + |J·x|) = 76·u·|y|.
    // The backward computes in float64 and rounds once, so only the forward bound is at stake.
    const expScaled = customOp('expScaled', {
      forward: (_ctx, x: Tensor) => exp(mul(x, 0.3)),
      backward: (ctx, gy) => {
        const x = ctx.args[0].data;
        const g = gy.data.map((v, j) => v * 0.3 * Math.exp(0.3 * x[j]));
        return [new Tensor(g, gy.shape)];
      },
    });
    const g = new Generator(3);
    const x = tensor(Array.from({ length: 24 }, () => 240 + 20 * g.uniform()), [24], { dtype: 'float64' });
    const r = checkFloat32((t) => expScaled(t), [x], { backends: ['js'], threads: [1] });
    expect(r.worst.ratio).toBeLessThanOrEqual(2);
  });

  test('an input the output does not depend on gets a zero gradient and no Jacobian row', () => {
    const a = randn([3], { dtype: 'float64', generator: new Generator(4) });
    const b = randn([2], { dtype: 'float64', generator: new Generator(5) });
    expect(checkFloat32((p, _q) => exp(p), [a, b], { backends: ['js'], threads: [1] }).worst.ratio).toBeLessThan(1);
  });
});

describe('options and errors', () => {
  test('maxOutput: more outputs than it is an error naming the op (default name "op" for an output without a graph node); as many is fine', () => {
    const identity = (x: Tensor): Tensor => x; // the output is the input leaf: no gradFn
    expect(() => checkFloat32(identity, [x23], { maxOutput: 5 })).toThrow(
      new ConfigError('checkFloat32 op', 'forms the Jacobian one output element at a time: 6 outputs is more than maxOutput'),
    );
    expect(checkFloat32(identity, [x23], { maxOutput: 6, backends: ['js'], threads: [1] }).worst.ratio).toBe(0);
  });

  test('an output that does not require grad (wrt reaches nothing) is an error', () => {
    expect(() => checkFloat32((x) => exp(x), [x23], { wrt: [] })).toThrow(
      new ConfigError('checkFloat32', 'the output does not require grad (no input in wrt reaches it)'),
    );
  });

  test('the default seed is 0xf32; another seed draws another cotangent', () => {
    // exact forward, a backward that rounds: the worst element is a gradient, which depends on the cotangent
    const op = customOp('gradRounds', { forward: (_ctx, x: Tensor) => mul(x, 2), backward: (_ctx, gy) => [mul(gy, 2.1)] });
    const run = (seed?: number) => checkFloat32((x) => op(x), [x23], { backends: ['js'], threads: [1], seed }).worst;
    expect(run()).toEqual(run(0xf32));
    expect(run(1)).not.toEqual(run(2));
  });

  test('default backends: js, and wasm where WebAssembly SIMD and shared memory exist', () => {
    const f = wasmFeatures();
    const r = checkFloat32((x) => mul(x, 2), [x23], { threads: [1] });
    expect(r.runs.map((u) => u.backend)).toEqual(f.simd && f.sharedMemory ? ['js', 'wasm'] : ['js']);
  });

  test('the backend and thread count in force before the check are restored', () => {
    const backend = getBackend();
    const threads = getThreads();
    try {
      setThreads(1);
      checkFloat32((x) => mul(x, 2), [x23], { backends: ['js'], threads: [2] });
      expect(getThreads()).toBe(1);
      expect(getBackend()).toBe(backend);
    } finally {
      setBackend(backend);
      setThreads(threads);
    }
  });

  test('FLOAT32_UNIT_ROUNDOFF is 2⁻²⁴', () => {
    expect(FLOAT32_UNIT_ROUNDOFF).toBe(2 ** -24);
  });
});
