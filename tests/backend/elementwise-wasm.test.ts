/**
 * The wasm element-wise kernels (broadcast add/sub/mul/div, addN, BatchNorm apply, ReLU) against their js twins: the
 * same bits for every element, any length (remainders mod 4 and 8), any split of the range into chunks, and 1, 2
 * and 3 threads (2 and 3 need the compiled worker: npm run build). Operands are views of the shared heap, as the
 * ops' tensors are on the wasm backend; anything else is declined (the op then runs the js kernel).
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getHeap, setBackend, setThreads, wasmFeatures } from '../../src/backend/index.js';
import { addNWasm, arithWasm, mulSumToWasm } from '../../src/backend/wasm/arith.js';
import { batchNormApplyWasm, batchNormBackwardWasm, batchNormStatsWasm } from '../../src/backend/wasm/batchnorm.js';
import { bilinearBackwardWasm, bilinearWasm } from '../../src/backend/wasm/bilinear.js';
import { setElementwiseChunk } from '../../src/backend/wasm/elementwise-run.js';
import { reluBackwardWasm, reluWasm } from '../../src/backend/wasm/relu.js';
import { reluBackward, reluForward } from '../../src/kernels/activations.js';
import { ADD, DIV, MAX, MIN, MUL, SUB, type ArithOp, arithBroadcast, mulSumTo } from '../../src/kernels/broadcast-arith.js';
import { broadcastStrides } from '../../src/kernels/elementwise.js';
import { addIntoKernel, addNKernel } from '../../src/kernels/add-n.js';
import { channelSum } from '../../src/kernels/channel-bias.js';
import { channelSumWasm } from '../../src/backend/wasm/channel-sum.js';
import { addInto, addTo } from '../../src/backend/dispatch/elementwise.js';
import { batchNorm2dBackward, batchNorm2dForward, batchNorm2dStats } from '../../src/kernels/batchnorm2d.js';
import { bilinearBackward, bilinearForward, linearAxis } from '../../src/kernels/upsample2d.js';
import { broadcastShapes, numel } from '../../src/tensor/shape.js';
import { withPoolLog } from '../helpers/pool-log.js';

const DEFAULT_CHUNK = setElementwiseChunk(1 << 16);
afterEach(() => {
  setElementwiseChunk(DEFAULT_CHUNK);
  setThreads(1);
  setBackend('wasm');
});
afterAll(() => setThreads(1));

/** A float32 view of the shared heap holding `values` (as the buffer pool's tensor buffers are). */
function onHeap(values: ArrayLike<number>): Float32Array {
  const heap = getHeap(), n = values.length;
  const at = heap.allocRegion(4 * Math.max(n, 1)); // first: it may grow the memory (a new buffer)
  const v = new Float32Array(heap.f32.buffer, at, n);
  v.set(values);
  return v;
}

/** Index of the first element whose bits differ (any NaN equals any NaN; +0 and −0 differ), or −1. */
function firstDiff(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return -2;
  for (let i = 0; i < x.length; i++) if (!(Object.is(x[i], y[i]) || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) return i;
  return -1;
}

/** Floats of every kind: ordinary, tiny (subnormal products), huge (overflow), ±0, ±∞, NaN. */
const anyFloat = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -100, max: 100, noNaN: true }) },
  { weight: 1, arbitrary: fc.float() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-30, -3e-39, 3e38, Infinity, -Infinity, NaN) },
);
const floats = (n: number) => fc.array(anyFloat, { minLength: n, maxLength: n });

/** A broadcast pair: an output shape (rank 1-4) and operand shapes with some dims set to 1 or dropped in front. */
const broadcastCase = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    fc.nat(3),
    fc.nat(3),
  )
  .map(([out, oneA, oneB, dropA, dropB]) => ({
    a: out.map((d, i) => (oneA[i] ? 1 : d)).slice(Math.min(dropA, out.length - 1)),
    b: out.map((d, i) => (oneB[i] ? 1 : d)).slice(Math.min(dropB, out.length - 1)),
  }));

function arithBoth(op: ArithOp, sa: number[], sb: number[], av: number[], bv: number[]) {
  const shape = broadcastShapes('test', sa, sb), n = numel(shape);
  const a = onHeap(av), b = onHeap(bv), out = onHeap(new Float32Array(n).fill(7)), ref = new Float32Array(n);
  const ta = broadcastStrides(sa, shape), tb = broadcastStrides(sb, shape);
  arithBroadcast(ref, a, ta, b, tb, shape, op);
  const used = arithWasm(out, a, ta, b, tb, shape, op);
  return { used, out, ref };
}

describe.runIf(wasmFeatures().simd)('wasm broadcast arithmetic', () => {
  test('bit-identical to arithBroadcast for every op, broadcast pattern and chunk split', () => {
    setThreads(2); // with one thread the pool runs [0, n) in one call: chunks only split with more
    fc.assert(
      fc.property(
        broadcastCase.chain(({ a, b }) =>
          fc.record({ a: fc.constant(a), b: fc.constant(b), av: floats(numel(a)), bv: floats(numel(b)),
            op: fc.constantFrom<ArithOp>(ADD, SUB, MUL, DIV, MAX, MIN), chunk: fc.constantFrom(16, 32, 1 << 16) })),
        ({ a, b, av, bv, op, chunk }) => {
          setElementwiseChunk(chunk);
          const { used, out, ref } = arithBoth(op, a, b, av, bv);
          // declined only when both operands are constant along the innermost dim (no vector to stream)
          if (used) expect(firstDiff(out, ref)).toBe(-1);
        },
      ),
      { numRuns: 400, seed: 0x5eed + 60 },
    );
  });

  test("AMSUnet's patterns take the wasm path: same shape, [N,C,1,1] gate, [N,1,H,W] gate, scalar", () => {
    const cases: [number[], number[]][] = [[[2, 3, 5, 7], [2, 3, 5, 7]], [[2, 3, 5, 7], [2, 3, 1, 1]], [[2, 3, 5, 7], [2, 1, 5, 7]],
      [[2, 3, 1, 1], [2, 3, 5, 7]], [[37], [1]], [[1], [37]]];
    for (const [sa, sb] of cases) {
      for (const op of [ADD, SUB, MUL, DIV, MAX, MIN] as ArithOp[]) {
        setElementwiseChunk(16);
        const av = Array.from({ length: numel(sa) }, (_, i) => Math.sin(i + 1) * 3), bv = Array.from({ length: numel(sb) }, (_, i) => Math.cos(i) + 0.01);
        const { used, out, ref } = arithBoth(op, sa, sb, av, bv);
        expect(used).toBe(true);
        expect(firstDiff(out, ref)).toBe(-1);
      }
    }
  });

  test('a small operand outside the heap (a per-channel gate, a scalar) is copied in', () => {
    const shape = [2, 3, 5, 7], x = onHeap(Array.from({ length: 210 }, (_, i) => i / 7 - 3)), out = onHeap(new Float32Array(210));
    for (const [gs, g] of [[[2, 3, 1, 1], Float32Array.from({ length: 6 }, (_, i) => 0.3 * i - 0.7)], [[1], new Float32Array([1.1])]] as const) {
      const ref = new Float32Array(210), sx = broadcastStrides(shape, shape), sg = broadcastStrides(gs, shape);
      arithBroadcast(ref, x, sx, g, sg, shape, MUL);
      expect(arithWasm(out, x, sx, g, sg, shape, MUL)).toBe(true);
      expect(firstDiff(out, ref)).toBe(-1);
    }
  });

  test('declines arrays outside the heap, float64, the js backend, and rows constant in both operands', () => {
    const shape = [4, 5], s = broadcastStrides(shape, shape);
    const plain = new Float32Array(20), heap = onHeap(new Float32Array(20));
    expect(arithWasm(heap, plain, s, heap, s, shape, ADD)).toBe(false);
    expect(arithWasm(new Float64Array(20), heap, s, heap, s, shape, ADD)).toBe(false);
    setBackend('js');
    expect(arithWasm(heap, heap, s, heap, s, shape, ADD)).toBe(false);
    setBackend('wasm');
    expect(arithWasm(heap, heap, s, heap, s, shape, ADD)).toBe(true);
    const col = onHeap([1, 2, 3, 4]), cs = broadcastStrides([4, 1], shape);
    expect(arithWasm(heap, col, cs, col, cs, shape, ADD)).toBe(false);
  });
});

describe.runIf(wasmFeatures().simd)('wasm broadcast-factor gradient (mulSumTo)', () => {
  test('bit-identical to mulSumTo (double row sums, rows added in order) where the factor is constant along the inner dim', () => {
    setThreads(2);
    fc.assert(
      fc.property(
        fc.record({ shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }), keep: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
          seed: fc.nat(1000), f64: fc.boolean(), chunk: fc.constantFrom(1, 1 << 16) }),
        ({ shape: dims, keep, seed, f64, chunk }) => {
          setElementwiseChunk(chunk);
          const shape = dims.map((d, i) => (i === dims.length - 1 ? Math.max(2, d) : d)); // an inner dim to sum over
          // the factor keeps some leading dims and is 1 on the rest, always on the last: a gate like [N, C, 1, 1]
          const factor = shape.map((d, i) => (i < shape.length - 1 && keep[i] ? d : 1));
          const n = numel(shape), so = broadcastStrides(factor, shape);
          const g = onHeap(Array.from({ length: n }, (_, i) => Math.sin(seed + i) * 2 ** (((i * 7) % 41) - 20)));
          const x = onHeap(Array.from({ length: n }, (_, i) => Math.cos(seed + 2 * i)));
          const make = () => (f64 ? new Float64Array(numel(factor)) : new Float32Array(numel(factor)));
          const out = make(), ref = make();
          mulSumTo(ref, so, g, x, shape);
          expect(mulSumToWasm(out, so, g, x, shape)).toBe(true);
          expect([...out]).toEqual([...ref]);
        },
      ),
      { numRuns: 200, seed: 0x5eed + 67 },
    );
  });

  test('declines a factor that varies along the inner dim and is broadcast along two separate dims ([1, C, 1, W] of [N, C, H, W])', () => {
    const shape = [2, 3, 4, 5], so = broadcastStrides([1, 3, 1, 5], shape);
    const g = onHeap(new Float32Array(120)), x = onHeap(new Float32Array(120));
    expect(mulSumToWasm(new Float32Array(15), so, g, x, shape)).toBe(false);
  });

  test('a factor broadcast along one dim before the inner ones ([N, 1, H, W], [1, H, W], [H, W] gates): column sums, same bits', () => {
    setThreads(2);
    fc.assert(
      fc.property(
        fc.record({ N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 2, max: 9 }), H: fc.integer({ min: 1, max: 20 }), W: fc.integer({ min: 2, max: 40 }), // H·W past one 512-column block
          form: fc.constantFrom(0, 1, 2), seed: fc.nat(1000), chunk: fc.constantFrom(1, 7, 1 << 16), onHeapOut: fc.boolean() }),
        ({ N, C, H, W, form, seed, chunk, onHeapOut }) => {
          setElementwiseChunk(chunk);
          const shape = [N, C, H, W], factor = form === 0 ? [N, 1, H, W] : form === 1 ? [1, H, W] : [H, W];
          const nf = numel(factor), n = numel(shape), so = broadcastStrides(factor, shape);
          const g = onHeap(Array.from({ length: n }, (_, i) => Math.sin(seed + i) * 2 ** (((i * 7) % 41) - 20)));
          const x = onHeap(Array.from({ length: n }, (_, i) => Math.cos(seed + 2 * i)));
          const out = onHeapOut ? onHeap(new Float32Array(nf)) : new Float32Array(nf), ref = new Float32Array(nf);
          mulSumTo(ref, so, g, x, shape);
          const used = mulSumToWasm(out, so, g, x, shape);
          // [1, H, W] and [H, W]: N and C collapse into one summed dim of N·C rows, in the same order
          expect(used).toBe(true);
          expect(firstDiff(out, ref)).toBe(-1);
        },
      ),
      { numRuns: 150, seed: 0x5eed + 68 },
    );
  });
});

describe.runIf(wasmFeatures().simd)('wasm addN', () => {
  test('bit-identical to addNKernel (left-to-right, each partial sum rounded) for k = 2..7, any length and split', () => {
    setThreads(2);
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }).chain((k) => fc.integer({ min: 1, max: 5000 }).chain((n) =>
          fc.record({ xs: fc.array(floats(Math.min(n, 64)), { minLength: k, maxLength: k }), n: fc.constant(n),
            scale: fc.array(fc.constantFrom(1, 1e-8, 1e8), { minLength: k, maxLength: k }), chunk: fc.constantFrom(16, 48, 1 << 16) }))),
        ({ xs, n, scale, chunk }) => {
          setElementwiseChunk(chunk);
          // operands of very different magnitude, so any change of the summation order changes bits
          const arrays = xs.map((v, j) => onHeap(Array.from({ length: n }, (_, i) => v[i % v.length] * scale[j] + i * 1e-3)));
          const out = onHeap(new Float32Array(n).fill(5)), ref = new Float32Array(n);
          addNKernel(ref, arrays, 0, n);
          expect(addNWasm(out, arrays)).toBe(true);
          expect(firstDiff(out, ref)).toBe(-1);
        },
      ),
      { numRuns: 150, seed: 0x5eed + 61 },
    );
  });

  test('the same array given twice, and an order-sensitive sum', () => {
    const big = onHeap([1e8, 1e8, 1e8, 1e8, 1e8]), one = onHeap([1, 1, 1, 1, 1]), neg = onHeap([-1e8, -1e8, -1e8, -1e8, -1e8]);
    const out = onHeap(new Float32Array(5));
    expect(addNWasm(out, [big, one, neg, one])).toBe(true);
    expect([...out]).toEqual([1, 1, 1, 1, 1]); // ((1e8 + 1) − 1e8) + 1: the 1 is lost in float32 first
    expect(addNWasm(out, [one, one, one])).toBe(true);
    expect([...out]).toEqual([3, 3, 3, 3, 3]);
  });
});

describe.runIf(wasmFeatures().simd)('wasm channel sum (a conv bias gradient)', () => {
  test('bit-identical to channelSum (its four double partial sums, tail into the first), any plane remainder, 1 and 2 threads', () => {
    for (const threads of [1, 2]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 300 }), fc.nat(1 << 20), fc.constantFrom(16, 1 << 16),
          (N, C, plane, seed, chunk) => {
            setElementwiseChunk(chunk);
            // magnitudes 1e-8 .. 1e8: a different summation order changes the bits
            const gy = onHeap(Array.from({ length: N * C * plane }, (_, i) => Math.sin(seed + 7 * i) * 10 ** (((seed + i) % 17) - 8)));
            const ref = new Float32Array(C), got = new Float32Array(C).fill(NaN);
            channelSum(ref, gy, N, C, plane);
            expect(channelSumWasm(got, gy, N, C, plane)).toBe(true);
            expect(firstDiff(got, ref)).toBe(-1);
          }),
        { numRuns: 80, seed: 0x5eed + 63 },
      );
    }
  });

  test('the order shows: x + 1 − x is 1 by partial sums (x and −x in one lane, 1 in another), 0 summed in sequence', () => {
    const x = Math.fround(1e20);
    const gy = onHeap([x, 1, 0, 0, -x, 0, 0, 0]);
    const got = new Float32Array(1);
    expect(channelSumWasm(got, gy, 1, 1, 8)).toBe(true);
    expect(got[0]).toBe(1); // summed in sequence, (x + 1) − x, the double sum loses the 1 and gives 0
    // a plane's tail goes to the first partial sum: [x, 1, 0, 0 | −x] is (x − x) + 1 = 1 (into the second: x + (1 − x) = 0)
    const tail = onHeap([x, 1, 0, 0, -x]), ref = new Float32Array(1);
    channelSum(ref, tail, 1, 1, 5);
    expect(channelSumWasm(got, tail, 1, 1, 5)).toBe(true);
    expect([got[0], ref[0]]).toEqual([1, 1]);
  });

  test('declines gy outside the heap and a float64 result', () => {
    expect(channelSumWasm(new Float32Array(2), new Float32Array(8), 1, 2, 4)).toBe(false);
    expect(channelSumWasm(new Float64Array(2), onHeap(new Float32Array(8)), 1, 2, 4)).toBe(false);
  });
});

describe.runIf(wasmFeatures().simd)('addInto (the engine gradient accumulation) on heap views', () => {
  /** a (large) and b (small), n elements from a seed, and the bits of a += b by the js loop */
  const sumCase = (n: number, seed: number) => {
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i) * 1e4);
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(seed * i) * 1e-3);
    const ref = Float32Array.from(a);
    addIntoKernel(ref, b);
    return { a, b, ref };
  };

  test("runs the wasm addN with a as its output ('addN.wasm'): the bits of addIntoKernel, any length, 1 and 2 threads", () => {
    for (const threads of [1, 2]) {
      setThreads(threads);
      withPoolLog((kernels) => fc.assert(
        fc.property(fc.integer({ min: 1, max: 70_000 }), fc.nat(1 << 20), (n, seed) => {
          const { a: a0, b, ref } = sumCase(n, seed);
          const a = onHeap(a0);
          kernels.length = 0;
          addInto(a, onHeap(b));
          expect(kernels).toEqual(['addN.wasm']);
          expect(firstDiff(a, ref)).toBe(-1);
        }),
        { numRuns: 40, seed: 0x5eed + 62 },
      ));
    }
  });

  test("addTo (a new gradient sum) runs one wasm addN into the fresh array: the bits of a copy += g, a and b untouched", () => {
    for (const threads of [1, 2]) {
      setThreads(threads);
      withPoolLog((kernels) => fc.assert(
        fc.property(fc.integer({ min: 1, max: 70_000 }), fc.nat(1 << 20), (n, seed) => {
          const { a: a0, b: b0, ref } = sumCase(n, seed);
          const a = onHeap(a0), b = onHeap(b0), out = onHeap(new Float32Array(n).fill(NaN)); // a recycled buffer's old numbers
          kernels.length = 0;
          addTo(out, a, b);
          expect(kernels).toEqual(['addN.wasm']);
          expect(firstDiff(out, ref)).toBe(-1);
          expect(firstDiff(a, a0)).toBe(-1);
          expect(firstDiff(b, b0)).toBe(-1);
        }),
        { numRuns: 30, seed: 0x5eed + 63 },
      ));
    }
  });

  test('addTo on plain arrays (off the heap) falls back to a copy and addInto: the same bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(1 << 20), (n, seed) => {
        const { a, b, ref } = sumCase(n, seed);
        const out = new Float32Array(n).fill(NaN);
        addTo(out, a, b);
        expect(firstDiff(out, ref)).toBe(-1);
      }),
      { numRuns: 30, seed: 0x5eed + 64 },
    );
  });
});

describe.runIf(wasmFeatures().simd)('wasm BatchNorm apply', () => {
  test('bit-identical to batchNorm2dForward (double-precision x·α + β), with and without weight and bias', () => {
    setThreads(2);
    fc.assert(
      fc.property(
        fc.record({ N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 5 }), HW: fc.integer({ min: 1, max: 70 }),
          affine: fc.boolean(), seed: fc.integer({ min: 0, max: 1000 }), chunk: fc.constantFrom(1, 16, 1 << 16) }),
        ({ N, C, HW, affine, seed, chunk }) => {
          setElementwiseChunk(chunk);
          const g = { N, C, HW }, n = N * C * HW;
          const x = onHeap(Array.from({ length: n }, (_, i) => Math.sin(seed + i) * 10 ** ((i % 7) - 3)));
          const mean = Float64Array.from({ length: C }, (_, c) => Math.cos(seed + c) * 0.3);
          const invstd = Float64Array.from({ length: C }, (_, c) => 1 / Math.sqrt(0.5 + c + 1e-5));
          const w = affine ? Float32Array.from({ length: C }, (_, c) => 1 + 0.1 * c) : null;
          const b = affine ? Float32Array.from({ length: C }, (_, c) => 0.2 - 0.05 * c) : null;
          const y = onHeap(new Float32Array(n).fill(9)), ref = new Float32Array(n);
          batchNorm2dForward(ref, x, mean, invstd, w, b, g);
          expect(batchNormApplyWasm(y, x, mean, invstd, w, b, g)).toBe(true);
          expect(firstDiff(y, ref)).toBe(-1);
        },
      ),
      { numRuns: 150, seed: 0x5eed + 62 },
    );
  });

  test('a float32 evaluation (x·f32(α) + f32(β)) would differ: the test can tell', () => {
    const x = onHeap(Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 3));
    const mean = new Float64Array([0.1234567]), invstd = new Float64Array([1 / Math.sqrt(0.3)]);
    const y = onHeap(new Float32Array(4096));
    batchNormApplyWasm(y, x, mean, invstd, null, null, { N: 1, C: 1, HW: 4096 });
    const alpha = Math.fround(invstd[0]), beta = Math.fround(-mean[0] * invstd[0]);
    const single = Float32Array.from(x, (v) => Math.fround(Math.fround(v * alpha) + beta));
    expect(firstDiff(y, single)).not.toBe(-1);
  });
});

describe.runIf(wasmFeatures().simd)('wasm BatchNorm statistics and backward', () => {
  const bnCase = fc.record({ N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 5 }), HW: fc.integer({ min: 1, max: 70 }),
    seed: fc.integer({ min: 0, max: 1000 }), offset: fc.constantFrom(0, 1e3, -30), chunk: fc.constantFrom(1, 1 << 16) });
  // magnitudes 2^-20 .. 2^20, so the double sums round and a change of summation order changes bits
  const data = (n: number, seed: number, offset: number) => Array.from({ length: n }, (_, i) => offset + Math.sin(seed + 0.7 * i) * 2 ** (((i * 7) % 41) - 20));

  test('statistics: the same double mean and variance as batchNorm2dStats (lane order, plane tails, shift K)', () => {
    setThreads(2);
    fc.assert(
      fc.property(bnCase, ({ N, C, HW, seed, offset, chunk }) => {
        setElementwiseChunk(chunk);
        const g = { N, C, HW }, x = onHeap(data(N * C * HW, seed, offset));
        const mean = new Float64Array(C), variance = new Float64Array(C), m2 = new Float64Array(C), v2 = new Float64Array(C);
        batchNorm2dStats(m2, v2, x, g);
        expect(batchNormStatsWasm(mean, variance, x, g)).toBe(true);
        expect([...mean]).toEqual([...m2]);
        expect([...variance]).toEqual([...v2]);
      }),
      { numRuns: 150, seed: 0x5eed + 64 },
    );
  });

  test('backward: gx (training and eval), gw, gb bit-identical to batchNorm2dBackward, any subset of them', () => {
    setThreads(2);
    fc.assert(
      fc.property(bnCase, fc.boolean(), fc.boolean(), fc.boolean(), ({ N, C, HW, seed, offset, chunk }, training, affine, wantGx) => {
        setElementwiseChunk(chunk);
        const g = { N, C, HW }, n = N * C * HW;
        const x = onHeap(data(n, seed, offset)), gy = onHeap(data(n, seed + 5, 0));
        const mean = Float64Array.from({ length: C }, (_, c) => offset + 0.1 * c), invstd = Float64Array.from({ length: C }, (_, c) => 1 / Math.sqrt(0.3 + c));
        const w = affine ? Float64Array.from({ length: C }, (_, c) => Math.fround(1 - 0.2 * c)) : null;
        // gw, gb in float64 here (float32 in the op) so that the double sums are compared to the last bit
        const gx = wantGx ? onHeap(new Float32Array(n).fill(NaN)) : null, gw = new Float64Array(C), gb = new Float64Array(C);
        const rx = new Float32Array(n), rw = new Float64Array(C), rb = new Float64Array(C);
        batchNorm2dBackward(wantGx ? rx : null, rw, rb, gy, x, mean, invstd, w, training, g);
        expect(batchNormBackwardWasm(gx, gw, gb, gy, x, mean, invstd, w, training, g)).toBe(true);
        if (gx) expect(firstDiff(gx, rx)).toBe(-1);
        expect([...gw]).toEqual([...rw]);
        expect([...gb]).toEqual([...rb]);
      }),
      { numRuns: 200, seed: 0x5eed + 65 },
    );
  });

  test('training gx for gy affine in x̂ (exactly 0 in exact arithmetic: the result is rounding, so the operation order shows)', () => {
    const g = { N: 2, C: 3, HW: 999 }, n = 2 * 3 * 999;
    const x = onHeap(data(n, 3, 0.5)), mean = new Float64Array(3), variance = new Float64Array(3);
    batchNorm2dStats(mean, variance, x, g);
    const invstd = variance.map((v) => 1 / Math.sqrt(v + 1e-5));
    const gy = onHeap(Array.from({ length: n }, (_, i) => { const c = Math.floor(i / 999) % 3; return 0.3 + 1.7 * (x[i] - mean[c]) * invstd[c]; }));
    const gx = onHeap(new Float32Array(n)), rx = new Float32Array(n);
    batchNorm2dBackward(rx, null, null, gy, x, mean, invstd, null, true, g);
    expect(batchNormBackwardWasm(gx, null, null, gy, x, mean, invstd, null, true, g)).toBe(true);
    expect(firstDiff(gx, rx)).toBe(-1);
    expect(rx.some((v) => v !== 0)).toBe(true);
  });

  test('eval backward keeps the sign of zero (gy·s, not gy·s + 0)', () => {
    const x = onHeap([1, 2, 3, 4, 5]), gy = onHeap([-0, 0, -0, 0, -0]), gx = onHeap(new Float32Array(5));
    expect(batchNormBackwardWasm(gx, null, null, gy, x, new Float64Array([0]), new Float64Array([2]), null, false, { N: 1, C: 1, HW: 5 })).toBe(true);
    expect([...gx].map((v) => Object.is(v, -0))).toEqual([true, false, true, false, true]);
  });
});

/** A bilinear resize case: planes, sizes both ways, alignCorners, an explicit scale or none, and a chunk size. */
const resizeCase = fc.record({
  P: fc.integer({ min: 1, max: 5 }), H: fc.integer({ min: 1, max: 17 }), W: fc.integer({ min: 1, max: 17 }),
  oH: fc.integer({ min: 1, max: 40 }), oW: fc.integer({ min: 1, max: 40 }), alignCorners: fc.boolean(),
  scale: fc.option(fc.constantFrom(0.5, 2, 3, 1.7)), seed: fc.nat(1000), chunk: fc.constantFrom(1, 1 << 16),
});

/** Its geometry and interpolation tables (float32 weights, as interpolate makes them); sets the chunk size. */
function resizeGeometry(o: { P: number; H: number; W: number; oH: number; oW: number; alignCorners: boolean; scale: number | null; chunk: number }) {
  setElementwiseChunk(o.chunk);
  return {
    g: { P: o.P, H: o.H, W: o.W, oH: o.oH, oW: o.oW },
    th: linearAxis(o.H, o.oH, o.alignCorners, o.scale ?? undefined, Math.fround),
    tw: linearAxis(o.W, o.oW, o.alignCorners, o.scale ?? undefined, Math.fround),
  };
}

describe.runIf(wasmFeatures().simd)('wasm bilinear resize', () => {
  test('bit-identical to bilinearForward: up and down, alignCorners, scale factors, odd and even widths, any plane split', () => {
    setThreads(2);
    fc.assert(
      fc.property(
        resizeCase,
        ({ P, H, W, oH, oW, alignCorners, scale, seed, chunk }) => {
          const { g, th, tw } = resizeGeometry({ P, H, W, oH, oW, alignCorners, scale, chunk });
          const x = onHeap(Array.from({ length: P * H * W }, (_, i) => Math.sin(seed + 1.3 * i) * 10 ** ((i % 5) - 2)));
          const y = onHeap(new Float32Array(P * oH * oW).fill(3)), ref = new Float32Array(P * oH * oW);
          bilinearForward(ref, x, th, tw, g);
          expect(bilinearWasm(y, x, th, tw, g)).toBe(true);
          expect(firstDiff(y, ref)).toBe(-1);
        },
      ),
      { numRuns: 200, seed: 0x5eed + 63 },
    );
  });

  test('backward bit-identical to bilinearBackward (the same scatter order, float32 sums) on NaN-filled gx, any plane split', () => {
    setThreads(2);
    fc.assert(
      fc.property(
        resizeCase,
        ({ P, H, W, oH, oW, alignCorners, scale, seed, chunk }) => {
          const { g, th, tw } = resizeGeometry({ P, H, W, oH, oW, alignCorners, scale, chunk });
          // magnitudes 2^-12 .. 2^12, so the float32 sums round and their order shows
          const gy = onHeap(Array.from({ length: P * oH * oW }, (_, i) => Math.sin(seed + 1.3 * i) * 2 ** (((i * 5) % 25) - 12)));
          const gx = onHeap(new Float32Array(P * H * W).fill(NaN)), ref = new Float32Array(P * H * W);
          bilinearBackward(ref, gy, th, tw, g);
          expect(bilinearBackwardWasm(gx, gy, th, tw, g)).toBe(true);
          expect(firstDiff(gx, ref)).toBe(-1);
        },
      ),
      { numRuns: 200, seed: 0x5eed + 66 },
    );
  });

  test("AMSUnet's upsampling (x2, alignCorners) of 32x32 maps, and a float32 evaluation would differ", () => {
    const g = { P: 3, H: 32, W: 32, oH: 64, oW: 64 };
    const th = linearAxis(32, 64, true, 2, Math.fround), tw = linearAxis(32, 64, true, 2, Math.fround);
    const x = onHeap(Array.from({ length: 3 * 1024 }, (_, i) => Math.cos(i) * 4));
    const y = onHeap(new Float32Array(3 * 4096)), ref = new Float32Array(3 * 4096);
    bilinearForward(ref, x, th, tw, g);
    expect(bilinearWasm(y, x, th, tw, g)).toBe(true);
    expect(firstDiff(y, ref)).toBe(-1);
    const f = Math.fround, single = new Float32Array(3 * 4096);
    for (let p = 0, o = 0; p < 3; p++) for (let a = 0; a < 64; a++) for (let b = 0; b < 64; b++, o++) {
      const at = (r: number, c: number) => x[p * 1024 + r * 32 + c];
      const rowA = f(f(tw.l0[b] * at(th.i0[a], tw.i0[b])) + f(tw.l1[b] * at(th.i0[a], tw.i1[b])));
      const rowB = f(f(tw.l0[b] * at(th.i1[a], tw.i0[b])) + f(tw.l1[b] * at(th.i1[a], tw.i1[b])));
      single[o] = f(f(th.l0[a] * rowA) + f(th.l1[a] * rowB));
    }
    expect(firstDiff(y, single)).not.toBe(-1);
  });
});

describe.runIf(wasmFeatures().simd)('threads', () => {
  test('1, 2 and 3 threads give bit-identical results with many small chunks', () => {
    const shape = [2, 7, 61, 67], n = numel(shape);
    const x = onHeap(Array.from({ length: n }, (_, i) => Math.sin(i) * 5)), z = onHeap(Array.from({ length: n }, (_, i) => Math.cos(i)));
    const gate = onHeap(Array.from({ length: 2 * 61 * 67 }, (_, i) => 1 / (1 + Math.exp(Math.sin(3 * i)))));
    const ref = (f: (out: Float32Array) => void) => { const o = new Float32Array(n); f(o); return o; };
    const sx = broadcastStrides(shape, shape), sg = broadcastStrides([2, 1, 61, 67], shape);
    const refs = [
      ref((o) => arithBroadcast(o, x, sx, gate, sg, shape, MUL)),
      ref((o) => addNKernel(o, [x, z, x, z], 0, n)),
      ref((o) => batchNorm2dForward(o, x, new Float64Array(7).fill(0.25), new Float64Array(7).fill(1.5), null, null, { N: 2, C: 7, HW: 61 * 67 })),
    ];
    for (const t of [1, 2, 3]) {
      setThreads(t);
      setElementwiseChunk(256);
      const outs = [onHeap(new Float32Array(n)), onHeap(new Float32Array(n)), onHeap(new Float32Array(n))];
      expect(arithWasm(outs[0], x, sx, gate, sg, shape, MUL)).toBe(true);
      expect(addNWasm(outs[1], [x, z, x, z])).toBe(true);
      expect(batchNormApplyWasm(outs[2], x, new Float64Array(7).fill(0.25), new Float64Array(7).fill(1.5), null, null, { N: 2, C: 7, HW: 61 * 67 })).toBe(true);
      outs.forEach((o, k) => expect(firstDiff(o, refs[k]), `kernel ${k}, ${t} threads`).toBe(-1));
    }
  });
});

describe.runIf(wasmFeatures().simd)('wasm ReLU', () => {
  test('forward max(x, 0) and backward (gy where y > 0) give the loops\' bits (±0, NaN, ±∞, subnormals), any length and split, 1-3 threads', () => {
    setBackend('wasm');
    for (const threads of [1, 2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 300 }).chain((n) => fc.tuple(floats(n), floats(n))), fc.integer({ min: 1, max: 64 }), ([xs, gs], chunk) => {
          setElementwiseChunk(chunk);
          const n = xs.length, x = onHeap(xs), gy = onHeap(gs);
          const want = new Float32Array(n), y = onHeap(new Float32Array(n).fill(7));
          reluForward(want, x);
          const logged = withPoolLog((log) => (reluWasm(y, x), [...log]));
          expect(firstDiff(y, want)).toBe(-1);
          const gWant = new Float32Array(n), gx = onHeap(new Float32Array(n).fill(7));
          reluBackward(gWant, gy, want);
          expect(reluBackwardWasm(gx, gy, y)).toBe(n > 0);
          expect(firstDiff(gx, gWant)).toBe(-1);
          if (n > 0) expect(logged).toEqual(['relu.wasm']);
        }),
        { numRuns: 60, seed: 0x2e1 + threads },
      );
    }
  });

  test('declines what it does not stream: plain arrays, float64, the js backend', () => {
    setBackend('wasm');
    const x = onHeap([1, -1, 2]), y = onHeap([0, 0, 0]);
    expect(reluWasm(new Float32Array(3), x)).toBe(false);
    expect(reluWasm(y, new Float32Array([1, 2, 3]))).toBe(false);
    expect(reluWasm(new Float64Array(3), x)).toBe(false);
    setBackend('js');
    expect(reluWasm(y, x)).toBe(false);
  });
});
