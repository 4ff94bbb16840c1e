/** The wasm depth-wise gather against a naive float64 loop (2 and 3 threads need the compiled worker). */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { depthwiseGatherWasm, setThreads, wasmFeatures, type DepthwiseGather } from '../../src/backend/index.js';
import { firstMismatch } from './gemm-problems.js';
import { fillRandom } from '../helpers/random.js';

afterAll(() => setThreads(1));

interface Geometry {
  N: number; C: number; H: number; W: number; kH: number; kW: number; dH: number; dW: number; pH: number; pW: number;
  bias: boolean; grad: boolean; seed: number;
}

/** A stride-1 depth-wise conv geometry: forward taps, or (grad) the same taps negated, as the input gradient reads them. */
const geometry: fc.Arbitrary<Geometry> = fc.record({
  N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 20 }), W: fc.integer({ min: 1, max: 40 }),
  kH: fc.integer({ min: 1, max: 5 }), kW: fc.integer({ min: 1, max: 11 }),
  dH: fc.integer({ min: 1, max: 3 }), dW: fc.integer({ min: 1, max: 3 }),
  pH: fc.nat(8), pW: fc.nat(16), bias: fc.boolean(), grad: fc.boolean(), seed: fc.nat(),
}).filter((g) => g.H + 2 * g.pH - g.dH * (g.kH - 1) >= 1 && g.W + 2 * g.pW - g.dW * (g.kW - 1) >= 1);

function makeGather(g: Geometry): DepthwiseGather {
  const oH = g.H + 2 * g.pH - g.dH * (g.kH - 1), oW = g.W + 2 * g.pW - g.dW * (g.kW - 1);
  const dy: number[] = [], dx: number[] = [];
  for (let kh = 0; kh < g.kH; kh++) for (let kw = 0; kw < g.kW; kw++) {
    dy.push((g.grad ? -1 : 1) * (kh * g.dH - g.pH));
    dx.push((g.grad ? -1 : 1) * (kw * g.dW - g.pW));
  }
  // forward: x [H, W] -> y [oH, oW]; input gradient: gy [oH, oW] -> gx [H, W]
  const [srcH, srcW, dstH, dstW] = g.grad ? [oH, oW, g.H, g.W] : [g.H, g.W, oH, oW];
  const planes = g.N * g.C;
  return {
    src: fillRandom(new Float32Array(planes * srcH * srcW), g.seed, 'uniform'), dst: new Float32Array(planes * dstH * dstW),
    w: fillRandom(new Float32Array(g.C * dy.length), g.seed + 1, 'uniform'), bias: g.bias ? fillRandom(new Float32Array(g.C), g.seed + 2, 'uniform') : null,
    C: g.C, dy, dx, srcH, srcW, dstH, dstW,
  };
}

/** Naive float64 gather: returns [reference, bound = |init| + Σ|w·x|] per output. */
function naive(d: DepthwiseGather): [Float64Array, Float64Array] {
  const ref = new Float64Array(d.dst.length), bound = new Float64Array(d.dst.length), T = d.dy.length;
  const planes = d.dst.length / (d.dstH * d.dstW);
  for (let q = 0; q < planes; q++) {
    const c = q % d.C;
    for (let i = 0; i < d.dstH; i++) for (let j = 0; j < d.dstW; j++) {
      let s = d.bias ? d.bias[c] : 0, m = Math.abs(s);
      for (let t = 0; t < T; t++) {
        const si = i + d.dy[t], sj = j + d.dx[t];
        if (si < 0 || si >= d.srcH || sj < 0 || sj >= d.srcW) continue;
        const v = d.w[c * T + t] * d.src[(q * d.srcH + si) * d.srcW + sj];
        s += v;
        m += Math.abs(v);
      }
      ref[(q * d.dstH + i) * d.dstW + j] = s;
      bound[(q * d.dstH + i) * d.dstW + j] = m;
    }
  }
  return [ref, bound];
}

describe.runIf(wasmFeatures().simd)('wasm depth-wise gather', () => {
  test('forward and input-gradient taps match the naive loop within float32 summation error', () => {
    fc.assert(
      fc.property(geometry, (g) => {
        const d = makeGather(g);
        const [ref, bound] = naive(d);
        depthwiseGatherWasm(d);
        const T = d.dy.length;
        for (let k = 0; k < ref.length; k++) {
          // T + 1 roundings of partial sums no larger than the bound, plus the products' roundings
          expect(Math.abs(d.dst[k] - ref[k])).toBeLessThanOrEqual((2 * T + 2) * 2 ** -24 * bound[k]);
        }
      }),
      { numRuns: 150, seed: 0x5eed + 50 },
    );
  });

  test('1, 2 and 3 threads give bit-identical planes', () => {
    const g = { N: 2, C: 64, H: 40, W: 37, kH: 3, kW: 3, dH: 3, dW: 3, pH: 3, pW: 3, bias: true, grad: false, seed: 9 };
    const results = [1, 2, 3].map((t) => {
      setThreads(t);
      const d = makeGather(g);
      depthwiseGatherWasm(d);
      return d.dst;
    });
    expect(firstMismatch(results[1], results[0])).toBe(-1);
    expect(firstMismatch(results[2], results[0])).toBe(-1);
  });

  test('a plane larger than a thread’s scratch slot (a 768² image) is gathered too, the same bits on 1 and 2 threads', () => {
    // 772x764 floats padded = 2.4 MB, past the ~1.2 MB slot: each thread pads into a staged block (heap.scratchFor)
    const g = { N: 1, C: 1, H: 770, W: 762, kH: 3, kW: 3, dH: 1, dW: 1, pH: 1, pW: 1, bias: true, grad: false, seed: 4 };
    const results = [1, 2].map((t) => {
      setThreads(t);
      const d = makeGather(g);
      depthwiseGatherWasm(d);
      return d;
    });
    const [ref, bound] = naive(results[0]);
    const T = results[0].dy.length;
    for (let k = 0; k < ref.length; k++) expect(Math.abs(results[0].dst[k] - ref[k])).toBeLessThanOrEqual((2 * T + 2) * 2 ** -24 * bound[k]);
    expect(firstMismatch(results[1].dst, results[0].dst)).toBe(-1);
  });
});
