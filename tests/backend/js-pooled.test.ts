/**
 * The js kernels on the worker pool (src/backend/js-pooled.ts, js-kernels.ts): exact GELU forward/backward and the
 * three stride-1 depth-wise passes give the same bits on 2 and 3 threads, over many chunks, as the single-thread
 * loops, in float32 and float64, and so does adaptive average pooling (forward and backward, by planes); the pool is really used (the drivers report it) and is skipped when it should be.
 * Workers run the compiled dist/ (`npx tsc -p .` first when iterating).
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getHeap, setThreads } from '../../src/backend/index.js';
import {
  jsPoolChunks, runAdaptiveAvgPoolJs, runDepthwiseJs, runElementwiseJs, runNearestJs, runPool2dJs, runReduceJs, runSoftmaxJs,
  runStridedJs, runGroupNormBackwardJs, runLayerNormJs, runPadConstantJs, runPadPlanesJs,
} from '../../src/backend/parallel/js-pooled.js';
import { groupNormBackward } from '../../src/kernels/group-norm.js';
import { layerNormBackward, layerNormForward } from '../../src/kernels/layer-norm.js';
import { padConstant, padGather, padGatherIndex, padScatterAdd } from '../../src/kernels/pad.js';
import { nearestAxis, nearestBackward, nearestForward } from '../../src/kernels/upsample2d.js';
import { gatherStrided, scatterStrided } from '../../src/kernels/strided.js';
import { reduceExtreme, reducePlan, reduceSum } from '../../src/kernels/reduce.js';
import { softmaxBackward, softmaxForward } from '../../src/kernels/softmax.js';
import { unaryLoops } from '../../src/kernels/unary.js';
import {
  adaptiveAvgPool2dBackward, adaptiveAvgPool2dForward, avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward,
} from '../../src/kernels/pool2d.js';
import {
  geluBackwardRange, geluForwardRange, reluBackward, reluForward, sigmoidBackward, sigmoidForward, tanhBackward, tanhForward,
  leakyReluForward, leakyReluBackward, siluForward, siluBackward,
} from '../../src/kernels/activations.js';
// the js entry points (the pool when worth it, else the loop), under the names this file used when they were kernels
import { geluBackwardJs as geluBackward, geluJs as geluForward } from '../../src/backend/dispatch/activations.js';
import {
  depthwiseForwardPlanes, depthwiseInputGradPlanes, depthwiseWeightGradChannels,
} from '../../src/kernels/conv2d-depthwise.js';
import {
  depthwiseForwardJs as conv2dForwardDepthwise, depthwiseInputGradJs as conv2dBackwardInputDepthwise,
  depthwiseWeightGradJs as conv2dBackwardWeightDepthwise,
} from '../../src/backend/dispatch/conv2d.js';
import type { ConvGeom } from '../../src/kernels/conv2d-common.js';
import { depthwiseGeomArb, dwGeom } from './depthwise-geoms.js';
import { firstMismatch } from './gemm-problems.js';
import { fillRandom } from '../helpers/random.js';

const defaults = { ...jsPoolChunks };
afterEach(() => Object.assign(jsPoolChunks, defaults));
afterAll(() => setThreads(1));

type Arr = Float32ArrayConstructor | Float64ArrayConstructor;
const types: [string, Arr][] = [['float32', Float32Array], ['float64', Float64Array]];

/** Random values spread over GELU's branches (|x/√2| up to ~5) and beyond. */
function spread(A: Arr, n: number, seed: number): Float32Array | Float64Array {
  const x = fillRandom(new A(n), seed, 'uniform');
  for (let i = 0; i < n; i++) x[i] *= i % 7 === 0 ? 12 : 4;
  return x;
}

describe('pooled exact GELU', () => {
  test.each(types)('%s: forward and backward on 2 and 3 threads equal the loop, any length and chunk size', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 700 }), fc.nat(), (n, chunk, seed) => {
          jsPoolChunks.elementChunk = chunk;
          const x = spread(A, n, seed), gy = fillRandom(new A(n), seed + 1, 'uniform');
          const [y1, gx1, y, gx] = [new A(n), new A(n), new A(n), new A(n)];
          geluForwardRange(y1, x, 0, n);
          geluBackwardRange(gx1, gy, x, 0, n);
          expect(runElementwiseJs('gelu.js', y, [x])).toBe(n >= 2 * chunk);
          if (n < 2 * chunk) geluForward(y, x);
          expect(runElementwiseJs('geluBackward.js', gx, [gy, x])).toBe(n >= 2 * chunk);
          if (n < 2 * chunk) geluBackward(gx, gy, x);
          expect(firstMismatch(y, y1)).toBe(-1);
          expect(firstMismatch(gx, gx1)).toBe(-1);
        }),
        { numRuns: 20, seed: 0x6e1 + threads },
      );
    }
  });

  test('the kernel entry points take the pool at default chunk sizes, and stay inline for mixed types or a sub-range', () => {
    setThreads(2);
    const n = 3 * jsPoolChunks.elementChunk + 5;
    const x = spread(Float32Array, n, 3) as Float32Array, gy = fillRandom(new Float32Array(n), 4, 'uniform');
    const [y1, y2, gx1, gx2] = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    geluForward(y2, x);
    geluBackward(gx2, gy, x);
    geluForwardRange(y1, x, 0, n);
    geluBackwardRange(gx1, gy, x, 0, n);
    expect(firstMismatch(y2, y1)).toBe(-1);
    expect(firstMismatch(gx2, gx1)).toBe(-1);
    expect(runElementwiseJs('gelu.js', new Float32Array(n), [x])).toBe(true);
    expect(runElementwiseJs('gelu.js', new Float64Array(n), [x])).toBe(false); // mixed types: the caller's loop
    expect(runElementwiseJs('gelu.js', new Float32Array(2 * jsPoolChunks.elementChunk - 1), [x])).toBe(false); // too small
    setThreads(1);
    expect(runElementwiseJs('gelu.js', new Float32Array(n), [x])).toBe(false);
  });
});

/** All three passes, pooled (must report true) against the plain loops over the whole range. */
function checkDepthwise(g: ConvGeom, A: Arr, seed: number, bias: boolean): void {
  const C = g.Cout, T = g.kH * g.kW, nx = g.N * C * g.H * g.W, ny = g.N * C * g.oH * g.oW;
  const x = fillRandom(new A(nx), seed, 'uniform'), w = fillRandom(new A(C * T), seed + 1, 'uniform'), gy = fillRandom(new A(ny), seed + 2, 'uniform');
  const b = bias ? fillRandom(new A(C), seed + 3, 'uniform') : null;
  const [y1, gx1, gw1] = [new A(ny), new A(nx), new A(C * T)];
  depthwiseForwardPlanes(y1, x, w, b, g, 0, g.N * C);
  depthwiseInputGradPlanes(gx1, gy, w, g, 0, g.N * C);
  depthwiseWeightGradChannels(gw1, gy, x, g, 0, C);
  const macs = ny * T, split = (total: number) => Math.min(total, Math.floor(macs / jsPoolChunks.depthwiseChunk)) >= 2;
  const [y, gx, gw] = [new A(ny), new A(nx), new A(C * T)];
  expect(runDepthwiseJs('forward', y, x, w, b, g)).toBe(split(g.N * C));
  expect(runDepthwiseJs('input', gx, gy, w, null, g)).toBe(split(g.N * C));
  expect(runDepthwiseJs('weight', gw, gy, x, null, g)).toBe(split(C));
  // whatever the drivers chose, the entry points give the loops' bits
  conv2dForwardDepthwise(y, x, w, b, g);
  conv2dBackwardInputDepthwise(gx, gy, w, g);
  conv2dBackwardWeightDepthwise(gw, gy, x, g);
  expect(firstMismatch(y, y1)).toBe(-1);
  expect(firstMismatch(gx, gx1)).toBe(-1);
  expect(firstMismatch(gw, gw1)).toBe(-1);
}

describe('pooled depth-wise conv (stride 1)', () => {
  test.each(types)('%s: forward, input and weight gradients on 2 and 3 threads equal the loops, random geometry, tiny chunks', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(depthwiseGeomArb, fc.integer({ min: 1, max: 400 }), fc.boolean(), fc.nat(), (g, chunk, bias, seed) => {
          jsPoolChunks.depthwiseChunk = chunk;
          checkDepthwise(g, A, seed, bias);
        }),
        { numRuns: 30, seed: 0xd3 + threads },
      );
    }
  });

  // AMSUnet's shapes at default chunk sizes: 3x3, dilated 3x3, 1x11 and 11x1 strips
  const amsShapes: [string, ConvGeom][] = [
    ['3x3', dwGeom(32, 64, 64, 3, 3, 1, 1, 1, 1)],
    ['3x3 dil 3', dwGeom(128, 32, 32, 3, 3, 3, 3, 3, 1)],
    ['1x11', dwGeom(32, 64, 64, 1, 11, 0, 5, 1, 1)],
    ['11x1', dwGeom(32, 64, 64, 11, 1, 5, 0, 1, 1)],
  ];
  test.each(amsShapes)('%s at default chunk sizes takes the pool, same bits', (_, g) => {
    setThreads(2);
    checkDepthwise(g, Float32Array, 11, true);
    expect(runDepthwiseJs('forward', new Float32Array(g.N * g.Cout * g.oH * g.oW), new Float32Array(g.N * g.Cin * g.H * g.W),
      new Float32Array(g.Cout * g.kH * g.kW), null, g)).toBe(true);
  });

  test('strided, mixed-type or single-thread calls stay with the caller', () => {
    setThreads(2);
    jsPoolChunks.depthwiseChunk = 1;
    const g = dwGeom(4, 8, 8, 3, 3, 1, 1, 1, 1);
    const x = new Float32Array(g.N * 4 * 64), w = new Float32Array(36), y = new Float32Array(g.N * 4 * 64);
    expect(runDepthwiseJs('forward', y, x, w, null, g)).toBe(true);
    expect(runDepthwiseJs('forward', y, new Float64Array(x.length), w, null, g)).toBe(false);
    expect(runDepthwiseJs('forward', y, x, w, null, { ...g, sH: 2, oH: 4 })).toBe(false);
    setThreads(1);
    expect(runDepthwiseJs('forward', y, x, w, null, g)).toBe(false);
  });
});

/** A heap view of n elements of A's type, filled from `values` (freed by the caller). */
function heapArray(A: Arr, n: number, values: ArrayLike<number>): [Float32Array | Float64Array, () => void] {
  const heap = getHeap(), bytes = A.BYTES_PER_ELEMENT * Math.max(n, 1), at = heap.allocRegion(bytes);
  const v = new A(heap.memory.buffer as ArrayBuffer, at, n);
  v.set(values);
  return [v, () => heap.freeRegion(at, bytes)];
}

describe("pooled GroupNorm backward (row sums by rows, gx by groups, gw and gb on the caller)", () => {
  test.each(types)('%s: gx, gw, gb on 2 and 3 threads equal the loop, with and without γ and gx', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.record({ N: fc.integer({ min: 1, max: 3 }), G: fc.integer({ min: 1, max: 3 }), Cg: fc.integer({ min: 1, max: 3 }),
          S: fc.integer({ min: 1, max: 40 }), chunk: fc.integer({ min: 1, max: 200 }), affine: fc.boolean(), wantGx: fc.boolean(), seed: fc.nat() }),
        ({ N, G, Cg, S, chunk, affine, wantGx, seed }) => {
          jsPoolChunks.elementChunk = chunk;
          const C = G * Cg, n = N * C * S, g = { N, C, G, S };
          const mean = Float64Array.from({ length: N * G }, (_, i) => Math.sin(seed + i)), invstd = Float64Array.from({ length: N * G }, (_, i) => 1 + (i % 3));
          const w = affine ? fillRandom(new A(C), seed + 2, 'uniform') : null;
          const gyv = fillRandom(new A(n), seed, 'uniform'), xv = fillRandom(new A(n), seed + 1, 'uniform');
          const [gy, freeGy] = heapArray(A, n, gyv), [x, freeX] = heapArray(A, n, xv), [gx, freeGx] = heapArray(A, n, new A(n).fill(NaN));
          const [gx1, gw1, gb1, gw, gb] = [new A(n), new A(C), new A(C), new A(C), new A(C)];
          groupNormBackward(wantGx ? gx1 : null, gw1, gb1, gyv, xv, mean, invstd, w, g);
          const pooled = Math.min(N * C, Math.floor(n / chunk)) >= 2;
          expect(runGroupNormBackwardJs(wantGx ? gx : null, gw, gb, gy, x, mean, invstd, w, g)).toBe(pooled);
          if (pooled) {
            if (wantGx) expect(firstMismatch(gx, gx1)).toBe(-1);
            expect([firstMismatch(gw, gw1), firstMismatch(gb, gb1)]).toEqual([-1, -1]);
          }
          freeGy(), freeX(), freeGx();
        }),
        { numRuns: 40, seed: 0xb4 + threads },
      );
    }
  });
});

describe('pooled LayerNorm (y and gx by rows, gw and gb by columns)', () => {
  test.each(types)('%s: y, gx, gw, gb on 2 and 3 threads equal the loops, with and without γ, β', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.record({ R: fc.integer({ min: 1, max: 40 }), M: fc.integer({ min: 1, max: 40 }), chunk: fc.integer({ min: 1, max: 200 }),
          affine: fc.boolean(), seed: fc.nat() }),
        ({ R, M, chunk, affine, seed }) => {
          jsPoolChunks.elementChunk = chunk;
          const n = R * M;
          const mean = Float64Array.from({ length: R }, (_, i) => Math.sin(seed + i)), invstd = Float64Array.from({ length: R }, (_, i) => 1 + (i % 3));
          const w = affine ? fillRandom(new A(M), seed + 2, 'uniform') : null, b = affine ? fillRandom(new A(M), seed + 3, 'uniform') : null;
          const gyv = fillRandom(new A(n), seed, 'uniform'), xv = fillRandom(new A(n), seed + 1, 'uniform');
          const [gy, freeGy] = heapArray(A, n, gyv), [x, freeX] = heapArray(A, n, xv);
          const [y, freeY] = heapArray(A, n, new A(n).fill(NaN)), [gx, freeGx] = heapArray(A, n, new A(n).fill(NaN));
          const [y1, gx1, gw1, gb1, gw, gb] = [new A(n), new A(n), new A(M), new A(M), new A(M), new A(M)];
          layerNormForward(y1, xv, mean, invstd, w, b, M);
          layerNormBackward(gx1, gw1, gb1, gyv, xv, mean, invstd, w, M);
          const pooled = Math.min(R, Math.floor(n / chunk)) >= 2;
          expect(runLayerNormJs('forward', y, null, null, null, x, mean, invstd, w, b, M)).toBe(pooled);
          expect(runLayerNormJs('backward', gx, gw, gb, gy, x, mean, invstd, w, null, M)).toBe(pooled);
          if (pooled) expect([y, gx, gw, gb].map((v, i) => firstMismatch(v, [y1, gx1, gw1, gb1][i]))).toEqual([-1, -1, -1, -1]);
          freeGy(), freeX(), freeY(), freeGx();
        }),
        { numRuns: 40, seed: 0xb8 + threads },
      );
    }
  });
});

describe('pooled pads (constant by rows, reflect / replicate / circular gathers and scatter-adds by planes)', () => {
  test.each(types)('%s: on 2 and 3 threads equal the loops, pads and crops', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.record({ P: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 2, max: 9 }), W: fc.integer({ min: 2, max: 9 }),
          t: fc.integer({ min: -1, max: 1 }), l: fc.integer({ min: -1, max: 1 }), mode: fc.constantFrom('reflect', 'replicate', 'circular') as fc.Arbitrary<'reflect'>,
          chunk: fc.integer({ min: 1, max: 100 }), seed: fc.nat() }),
        ({ P, H, W, t, l, mode, chunk, seed }) => {
          jsPoolChunks.elementChunk = chunk;
          const xShape = [P, H, W], before = [0, t, l], yShape = [P, H + t + 1, W + l + 1], n = P * H * W, m = yShape.reduce((a, d) => a * d, 1);
          const xv = fillRandom(new A(n), seed, 'uniform');
          const [x, freeX] = heapArray(A, n, xv);
          const [y1, y] = [new A(m), new A(m).fill(NaN)];
          padConstant(y1, xv, xShape, yShape, before, 0.5);
          const rowsPooled = Math.min(P * yShape[1], Math.floor(m / chunk)) >= 2;
          expect(runPadConstantJs(y, x, xShape, yShape, before, 0.5)).toBe(rowsPooled);
          if (rowsPooled) expect(firstMismatch(y, y1)).toBe(-1);
          // the gathers pad by 1 on each side of the last two dims
          const idx = padGatherIndex([H, W], [1, 1], [1, 1], mode), out = idx.length * P;
          const [g1, g] = [new A(out), new A(out).fill(NaN)];
          padGather(g1, xv, idx, H * W, 0, P);
          const planesPooled = Math.min(P, Math.floor(out / chunk)) >= 2;
          expect(runPadPlanesJs('gather', g, x, idx, H * W, P)).toBe(planesPooled);
          if (planesPooled) expect(firstMismatch(g, g1)).toBe(-1);
          const [gy, freeGy] = heapArray(A, out, g1), [s1, s] = [new A(n), new A(n).fill(NaN)];
          padScatterAdd(s1, g1, idx, H * W, 0, P);
          expect(runPadPlanesJs('scatterAdd', s, gy, idx, H * W, P)).toBe(planesPooled);
          if (planesPooled) expect(firstMismatch(s, s1)).toBe(-1);
          freeX(), freeGy();
        }),
        { numRuns: 40, seed: 0xbc + threads },
      );
    }
  });
});

describe('pooled reductions (sum / mean / max / min over any axes)', () => {
  test.each(types)('%s: by output rows on 2 and 3 threads equal the loop (values, and the arg offsets of max and min)', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
          fc.integer({ min: 1, max: 300 }), fc.constantFrom(1, 3), fc.nat(), (shape, reduced, chunk, divisor, seed) => {
            jsPoolChunks.elementChunk = chunk;
            const axes = shape.map((_, i) => i).filter((i) => reduced[i]);
            const plan = reducePlan(shape, axes), n = shape.reduce((a, d) => a * d, 1), m = plan.rows * plan.J;
            const xs = fillRandom(new A(n), seed, 'uniform');
            if (n > 2) xs[1] = xs[0]; // a tie: the first position must win
            const [x, freeX] = heapArray(A, n, xs);
            const pooled = plan.count > 0 && Math.min(plan.rows, Math.floor((m * plan.count) / chunk)) >= 2;
            const [s1, s] = [new A(m), new A(m)];
            reduceSum(s1, xs, plan, divisor);
            expect(runReduceJs('sum', s, null, x, plan, divisor)).toBe(pooled);
            if (pooled) expect(firstMismatch(s, s1)).toBe(-1);
            for (const isMax of [true, false]) {
              const [y1, y, a1, a] = [new A(m), new A(m), new Int32Array(m), new Int32Array(m)];
              if (plan.count > 0) reduceExtreme(y1, a1, xs, plan, isMax);
              expect(runReduceJs(isMax ? 'max' : 'min', y, a, x, plan)).toBe(pooled);
              if (pooled) expect([firstMismatch(y, y1), Array.from(a).join()]).toEqual([-1, Array.from(a1).join()]);
            }
            expect(runReduceJs('sum', new A(m), null, new A(n), plan)).toBe(false); // a plain input: the caller's loop
            freeX();
          }),
        { numRuns: 40, seed: 0xb0 + threads },
      );
    }
  });
});

describe('pooled strided copies (permute, slice and their gradients)', () => {

  test.each(types)('%s: gather and scatter of permuted, offset and stepped views on 2 and 3 threads equal the loop', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 2 }), fc.nat(3),
          fc.integer({ min: 1, max: 300 }), fc.nat(), (dims, step, offset, chunk, seed) => {
            jsPoolChunks.elementChunk = chunk;
            // a source holding the view: row-major over dims·step on the last axis, then the axes permuted by a rotation
            const src = dims.map((d, i) => (i === dims.length - 1 ? d * step : d));
            const rs = new Array<number>(dims.length).fill(1);
            for (let d = dims.length - 2; d >= 0; d--) rs[d] = rs[d + 1] * src[d + 1];
            rs[dims.length - 1] = step;
            const rot = seed % dims.length, perm = dims.map((_, i) => (i + rot) % dims.length);
            const shape = perm.map((d) => dims[d]), strides = perm.map((d) => rs[d]);
            const n = shape.reduce((a, d) => a * d, 1), len = offset + src.reduce((a, d) => a * d, 1);
            const xs = fillRandom(new A(len), seed, 'uniform');
            const [x, freeX] = heapArray(A, len, xs), [out, freeOut] = heapArray(A, n, new A(n).fill(NaN));
            const want = new A(n);
            gatherStrided(want, xs, offset, strides, shape);
            const rows = n / shape[shape.length - 1], pooled = Math.min(rows, Math.floor(n / chunk)) >= 2;
            expect(runStridedJs(false, out, x, offset, strides, shape)).toBe(pooled);
            if (pooled) expect(firstMismatch(out, want)).toBe(-1);
            // scatter back into a zeroed source (every view element is distinct, so no element is written twice)
            const back = new A(len);
            scatterStrided(back, want, offset, strides, shape);
            const [g, freeG] = heapArray(A, len, new A(len));
            expect(runStridedJs(true, g, out, offset, strides, shape)).toBe(pooled);
            if (pooled) expect(firstMismatch(g, back)).toBe(-1);
            expect(runStridedJs(false, new A(n), xs, offset, strides, shape)).toBe(false); // plain arrays: the caller's loop
            freeX(), freeOut(), freeG();
          }),
        { numRuns: 40, seed: 0xaf + threads },
      );
    }
  });
});

describe('pooled nearest resize', () => {
  test.each(types)('%s: forward and backward by planes on 2 and 3 threads equal the loop (up- and downsampling)', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(
          fc.record({ P: fc.integer({ min: 1, max: 9 }), H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 12 }),
            oH: fc.integer({ min: 1, max: 30 }), oW: fc.integer({ min: 1, max: 30 }), chunk: fc.integer({ min: 1, max: 400 }), seed: fc.nat() }),
          ({ P, H, W, oH, oW, chunk, seed }) => {
            jsPoolChunks.elementChunk = chunk;
            const g = { P, H, W, oH, oW };
            const ih = nearestAxis(H, oH, undefined, Math.floor), iw = nearestAxis(W, oW, undefined, Math.floor);
            const x = fillRandom(new A(P * H * W), seed, 'uniform'), gy = fillRandom(new A(P * oH * oW), seed + 1, 'uniform');
            const [y1, y, gx1, gx] = [new A(P * oH * oW), new A(P * oH * oW), new A(P * H * W).fill(NaN), new A(P * H * W).fill(NaN)];
            nearestForward(y1, x, ih, iw, g);
            nearestBackward(gx1, gy, ih, iw, g);
            // the loop's copied rows are the gather's values
            for (let i = 0; i < y1.length; i++) {
              const p = Math.floor(i / (oH * oW)), r = Math.floor(i / oW) % oH, c = i % oW;
              expect(y1[i]).toBe(x[p * H * W + ih[r] * W + iw[c]]);
            }
            const pooled = Math.min(P, Math.floor((P * Math.max(H * W, oH * oW)) / chunk)) >= 2;
            expect(runNearestJs('forward', y, x, ih, iw, g)).toBe(pooled);
            expect(runNearestJs('backward', gx, gy, ih, iw, g)).toBe(pooled);
            if (!pooled) return;
            expect(firstMismatch(y, y1)).toBe(-1);
            expect(firstMismatch(gx, gx1)).toBe(-1);
          },
        ),
        { numRuns: 40, seed: 0xae + threads },
      );
    }
  });
});

describe('pooled adaptive average pooling', () => {
  test.each(types)('%s: forward and backward by planes on 2 and 3 threads equal the loop (tiling windows or not)', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(
          fc.record({ P: fc.integer({ min: 1, max: 9 }), H: fc.integer({ min: 1, max: 24 }), W: fc.integer({ min: 1, max: 24 }),
            oH: fc.integer({ min: 1, max: 5 }), oW: fc.integer({ min: 1, max: 5 }), chunk: fc.integer({ min: 1, max: 400 }), seed: fc.nat() }),
          ({ P, H, W, oH, oW, chunk, seed }) => {
            jsPoolChunks.elementChunk = chunk;
            const g = { P, H, W, oH, oW };
            const x = fillRandom(new A(P * H * W), seed, 'uniform'), gy = fillRandom(new A(P * oH * oW), seed + 1, 'uniform');
            const [y1, y, gx1, gx] = [new A(P * oH * oW), new A(P * oH * oW), new A(P * H * W).fill(NaN), new A(P * H * W).fill(NaN)];
            adaptiveAvgPool2dForward(y1, x, g);
            adaptiveAvgPool2dBackward(gx1, gy, g);
            const pooled = Math.min(P, Math.floor((P * H * W) / chunk)) >= 2;
            expect(runAdaptiveAvgPoolJs('forward', y, x, g)).toBe(pooled);
            expect(runAdaptiveAvgPoolJs('backward', gx, gy, g)).toBe(pooled);
            if (!pooled) return;
            expect(firstMismatch(y, y1)).toBe(-1);
            expect(firstMismatch(gx, gx1)).toBe(-1);
          },
        ),
        { numRuns: 40, seed: 0xa9 + threads },
      );
    }
  });
});

describe('pooled ReLU, sigmoid and tanh (the loops of kernels/activations.ts)', () => {
  const passes = [
    ['relu.js', reluForward, 'reluBackward.js', reluBackward],
    ['sigmoid.js', sigmoidForward, 'sigmoidBackward.js', sigmoidBackward],
    ['tanh.js', tanhForward, 'tanhBackward.js', tanhBackward],
  ] as const;
  test.each(types)('%s: forward and backward on 2 and 3 threads equal the loops, any length and chunk size', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 500 }), fc.nat(), (n, chunk, seed) => {
          jsPoolChunks.elementChunk = chunk;
          const x = spread(A, n, seed), gy = fillRandom(new A(n), seed + 1, 'uniform');
          x[0] = -0;
          for (const [fwdName, fwd, bwdName, bwd] of passes) {
            const [y1, y, gx1, gx] = [new A(n), new A(n), new A(n), new A(n)];
            fwd(y1, x);
            bwd(gx1, gy, y1);
            expect(runElementwiseJs(fwdName, y, [x])).toBe(n >= 2 * chunk);
            expect(runElementwiseJs(bwdName, gx, [gy, y1])).toBe(n >= 2 * chunk);
            if (n < 2 * chunk) continue;
            expect(firstMismatch(y, y1)).toBe(-1);
            expect(firstMismatch(gx, gx1)).toBe(-1);
          }
        }),
        { numRuns: 15, seed: 0x51 + threads },
      );
    }
  });
});

describe('pooled leaky ReLU and SiLU (their backward reads the input; leaky ReLU passes its slope)', () => {
  test.each(types)('%s: forward and backward on 2 and 3 threads equal the loops, any length, chunk size and slope', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 500 }), fc.constantFrom(0.01, -0.3, 2), fc.nat(), (n, chunk, slope, seed) => {
          jsPoolChunks.elementChunk = chunk;
          const x = spread(A, n, seed), gy = fillRandom(new A(n), seed + 1, 'uniform');
          x[0] = -0;
          const passes = [
            ['leakyRelu.js', (y: typeof x, u: typeof x) => leakyReluForward(y, u, slope), 'leakyReluBackward.js',
              (gx: typeof x, g: typeof x, u: typeof x) => leakyReluBackward(gx, g, u, slope), [slope]],
            ['silu.js', siluForward, 'siluBackward.js', siluBackward, []],
          ] as const;
          for (const [fwdName, fwd, bwdName, bwd, scalars] of passes) {
            const [y1, y, gx1, gx] = [new A(n), new A(n), new A(n), new A(n)];
            fwd(y1, x);
            bwd(gx1, gy, x);
            expect(runElementwiseJs(fwdName, y, [x], scalars)).toBe(n >= 2 * chunk);
            expect(runElementwiseJs(bwdName, gx, [gy, x], scalars)).toBe(n >= 2 * chunk);
            if (n < 2 * chunk) continue;
            expect(firstMismatch(y, y1)).toBe(-1);
            expect(firstMismatch(gx, gx1)).toBe(-1);
          }
        }),
        { numRuns: 15, seed: 0x52 + threads },
      );
    }
  });
});

describe('pooled softmax (kernels/softmax.ts by lanes)', () => {
  test.each(types)('%s: softmax / log-softmax forward and backward on 2 and 3 threads equal the loops', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 1, max: 400 }), fc.boolean(), fc.nat(), (outer, D, inner, chunk, log, seed) => {
            jsPoolChunks.elementChunk = chunk;
            const g = { outer, D, inner }, n = outer * D * inner, lanes = outer * inner;
            const x = spread(A, n, seed), gy = fillRandom(new A(n), seed + 1, 'uniform');
            const [y1, y, gx1, gx] = [new A(n), new A(n), new A(n), new A(n)];
            softmaxForward(y1, x, g, log);
            softmaxBackward(gx1, gy, y1, g, log);
            const pooled = Math.min(lanes, Math.floor((lanes * D) / chunk)) >= 2;
            expect(runSoftmaxJs(y, x, null, g, log)).toBe(pooled);
            expect(runSoftmaxJs(gx, y1, gy, g, log)).toBe(pooled);
            if (!pooled) return;
            expect(firstMismatch(y, y1)).toBe(-1);
            expect(firstMismatch(gx, gx1)).toBe(-1);
          }),
        { numRuns: 20, seed: 0x5f + threads },
      );
    }
  });
});

describe('pooled max and average pooling (kernels/pool2d.ts by planes)', () => {
  test.each(types)('%s: forward (values and argmax) and backward on 2 and 3 threads equal the loops, any window geometry', (_, A) => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(
          fc.record({ P: fc.integer({ min: 1, max: 7 }), H: fc.integer({ min: 1, max: 14 }), W: fc.integer({ min: 1, max: 14 }),
            kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }), sH: fc.integer({ min: 1, max: 2 }), sW: fc.integer({ min: 1, max: 2 }),
            pad: fc.boolean(), dil: fc.boolean(), chunk: fc.integer({ min: 1, max: 200 }), seed: fc.nat(), incl: fc.boolean() }),
          ({ P, H, W, kH, kW, sH, sW, pad, dil, chunk, seed, incl }) => {
            jsPoolChunks.elementChunk = chunk;
            const dH = dil ? 2 : 1, dW = dil ? 2 : 1, pH = pad ? Math.floor(kH / 2) : 0, pW = pad ? Math.floor(kW / 2) : 0;
            const oH = Math.floor((H + 2 * pH - dH * (kH - 1) - 1) / sH) + 1, oW = Math.floor((W + 2 * pW - dW * (kW - 1) - 1) / sW) + 1;
            if (oH < 1 || oW < 1) return;
            const g = { P, H, W, oH, oW, kH, kW, sH, sW, pH, pW, dH, dW };
            const x = spread(A, P * H * W, seed), gy = fillRandom(new A(P * oH * oW), seed + 1, 'uniform');
            if (x.length > 2) x[seed % x.length] = NaN;
            const small = P * oH * oW, big = P * H * W;
            const work = P * Math.max(H * W, oH * oW * kH * kW);
            const pooled = Math.min(P, Math.floor(work / chunk)) >= 2;
            const [y1, y, a1, a] = [new A(small), new A(small), new Int32Array(small), new Int32Array(small)];
            maxPool2dForward(y1, a1, x, g);
            expect(runPool2dJs('maxForward', y, x, a, g)).toBe(pooled);
            if (!pooled) return;
            expect(firstMismatch(y, y1)).toBe(-1);
            expect(firstMismatch(a, a1)).toBe(-1);
            const [gx1, gx] = [new A(big).fill(NaN), new A(big).fill(NaN)];
            maxPool2dBackward(gx1, gy, a1, g);
            runPool2dJs('maxBackward', gx, gy, a1, g);
            expect(firstMismatch(gx, gx1)).toBe(-1);
            avgPool2dForward(y1, x, g, incl);
            runPool2dJs('avgForward', y, x, null, g, incl);
            expect(firstMismatch(y, y1)).toBe(-1);
            avgPool2dBackward(gx1, gy, g, incl);
            runPool2dJs('avgBackward', gx, gy, null, g, incl);
            expect(firstMismatch(gx, gx1)).toBe(-1);
          },
        ),
        { numRuns: 40, seed: 0x9001 + threads },
      );
    }
  });
});

describe('pooled unary ops (kernels/unary.ts)', () => {
  test.each(types)('%s: every op forward and backward on 2 threads equals its loop', (_, A) => {
    setThreads(2);
    jsPoolChunks.elementChunk = 37;
    const n = 1000, x = spread(A, n, 5), gy = fillRandom(new A(n), 6, 'uniform');
    for (const name of Object.keys(unaryLoops) as (keyof typeof unaryLoops)[]) {
      const [loop, gradLoop] = unaryLoops[name];
      const [y1, y, gx1, gx] = [new A(n), new A(n), new A(n), new A(n)];
      loop(y1, x, 0, n);
      gradLoop(gx1, gy, x, y1, 0, n);
      expect(runElementwiseJs(`unary.${name}.js`, y, [x])).toBe(true);
      expect(runElementwiseJs(`unaryBackward.${name}.js`, gx, [gy, x, y1])).toBe(true);
      expect(firstMismatch(y, y1)).toBe(-1);
      expect(firstMismatch(gx, gx1)).toBe(-1);
    }
  });
});
