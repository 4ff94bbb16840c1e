/**
 * Kernels staging plain (non-heap) operands a piece at a time (src/backend/wasm/stage-pieces.ts): GELU and its
 * backward in element ranges, the depth-wise gather in planes, the depth-wise weight gradient in channel blocks.
 * With a small piece they must give the bits of the same kernel staged whole, with any cut (a piece of planes need
 * not start at channel 0: the kernel is told the first plane's index), and stage no more than a piece (plus a
 * plane or channel block when one alone is larger) per operand. 2 threads need the compiled worker.
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { depthwiseGatherWasm, geluBackwardWasm, geluWasm, getHeap, setThreads, wasmFeatures } from '../../src/backend/index.js';
import { depthwiseWeightGradWasm } from '../../src/backend/wasm/depthwise-weight.js';
import { setStagePieceBytes } from '../../src/backend/wasm/stage-pieces.js';
import type { ConvGeom } from '../../src/kernels/conv2d-common.js';
import { depthwiseGeomArb } from './depthwise-geoms.js';
import { firstMismatch } from './gemm-problems.js';
import { fillRandom } from '../helpers/random.js';

const DEFAULT_PIECE = setStagePieceBytes(16 << 20);
afterAll(() => {
  setStagePieceBytes(DEFAULT_PIECE);
  setThreads(1);
});

/** Runs `f` with staging pieces of `bytes`; returns its result and the largest single staging request it made. */
function staged<T>(bytes: number, f: () => T): { out: T; largest: number } {
  const heap = getHeap(), stage = heap.stage.bind(heap);
  let largest = 0;
  heap.stage = (n: number): number => {
    largest = Math.max(largest, n);
    return stage(n);
  };
  const old = setStagePieceBytes(bytes);
  try {
    return { out: f(), largest };
  } finally {
    setStagePieceBytes(old);
    delete (heap as { stage?: unknown }).stage; // back to the prototype's
  }
}

const taps = (g: ConvGeom): { dy: number[]; dx: number[] } => {
  const dy: number[] = [], dx: number[] = [];
  for (let kh = 0; kh < g.kH; kh++) for (let kw = 0; kw < g.kW; kw++) {
    dy.push(kh * g.dH - g.pH);
    dx.push(kw * g.dW - g.pW);
  }
  return { dy, dx };
};

describe.runIf(wasmFeatures().simd)('staging plain operands in pieces', () => {
  test('GELU forward and backward: any piece gives the bits of one piece, staging at most a piece', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 700 }), fc.constantFrom(1, 2), fc.nat(), (n, pieceElems, threads, seed) => {
        setThreads(threads);
        const x = fillRandom(new Float32Array(n), seed), gy = fillRandom(new Float32Array(n), seed + 1);
        const run = (): [Float32Array, Float32Array] => {
          const y = new Float32Array(n), gx = new Float32Array(n);
          geluWasm(y, x);
          geluBackwardWasm(gx, gy, x);
          return [y, gx];
        };
        const whole = staged(1 << 30, run).out;
        const { out, largest } = staged(4 * pieceElems, run);
        expect(firstMismatch(out[0], whole[0])).toBe(-1);
        expect(firstMismatch(out[1], whole[1])).toBe(-1);
        expect(largest).toBeLessThanOrEqual(4 * pieceElems);
      }),
      { numRuns: 60, seed: 0x5eed + 90 },
    );
  });

  test('depth-wise gather: pieces of planes cut anywhere give the bits of one piece (bias and weights by channel)', () => {
    fc.assert(
      fc.property(depthwiseGeomArb, fc.integer({ min: 1, max: 7 }), fc.boolean(), fc.constantFrom(1, 2), fc.nat(), (g, planesPerPiece, grad, threads, seed) => {
        setThreads(threads);
        const { dy, dx } = taps(g), s = grad ? -1 : 1;
        const [srcH, srcW, dstH, dstW] = grad ? [g.oH, g.oW, g.H, g.W] : [g.H, g.W, g.oH, g.oW];
        const planes = g.N * g.Cin, T = dy.length;
        const src = fillRandom(new Float32Array(planes * srcH * srcW), seed);
        const w = fillRandom(new Float32Array(g.Cin * T), seed + 1), bias = fillRandom(new Float32Array(g.Cin), seed + 2);
        const run = (): Float32Array => {
          const dst = new Float32Array(planes * dstH * dstW);
          depthwiseGatherWasm({ dst, src, w, bias: grad ? null : bias, C: g.Cin, dy: dy.map((v) => s * v), dx: dx.map((v) => s * v), srcH, srcW, dstH, dstW });
          return dst;
        };
        const whole = staged(1 << 30, run).out;
        const plane = 4 * Math.max(srcH * srcW, dstH * dstW);
        const { out, largest } = staged(planesPerPiece * plane, run);
        expect(firstMismatch(out, whole)).toBe(-1);
        expect(largest).toBeLessThanOrEqual(Math.max(planesPerPiece * plane, 4 * T, 64));
      }),
      { numRuns: 80, seed: 0x5eed + 91 },
    );
  });

  test('depth-wise weight gradient: blocks of channels give the bits of one block', () => {
    fc.assert(
      fc.property(depthwiseGeomArb, fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 2), fc.nat(), (g, channelsPerPiece, threads, seed) => {
        setThreads(threads);
        const T = g.kH * g.kW;
        const gy = fillRandom(new Float32Array(g.N * g.Cout * g.oH * g.oW), seed), x = fillRandom(new Float32Array(g.N * g.Cin * g.H * g.W), seed + 1);
        const run = (): Float32Array => {
          const gw = new Float32Array(g.Cout * T);
          depthwiseWeightGradWasm(gw, gy, x, g);
          return gw;
        };
        const whole = staged(1 << 30, run).out;
        const block = 4 * g.N * Math.max(g.H * g.W, g.oH * g.oW);
        const { out, largest } = staged(channelsPerPiece * block, run);
        expect(firstMismatch(out, whole)).toBe(-1);
        // the padded-plane scratch of each thread may be staged too when a plane is past a scratch slot
        expect(largest).toBeLessThanOrEqual(Math.max(channelsPerPiece * block, getHeap().slotBytes * 4));
      }),
      { numRuns: 80, seed: 0x5eed + 92 },
    );
  });
});
