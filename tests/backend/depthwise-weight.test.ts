/**
 * The wasm depth-wise weight gradient against its js twin (conv2dBackwardWeightDepthwise, float64 sums), within the
 * float32 partial-sum bound of wasm/depthwise-weight.ts; 1/2/3 threads bit-identical (2 and 3 need the compiled
 * worker: npm test builds first).
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getHeap, setThreads, wasmFeatures } from '../../src/backend/index.js';
import { depthwiseWeightGradWasm } from '../../src/backend/wasm/depthwise-weight.js';
import { conv2dBackwardWeightDepthwise } from '../../src/kernels/conv2d-depthwise.js';
import type { ConvGeom } from '../../src/kernels/conv2d.js';
import { firstMismatch } from './gemm-problems.js';
import { depthwiseGeomArb, dwGeom } from './depthwise-geoms.js';
import { fillRandom } from '../helpers/random.js';

afterAll(() => setThreads(1));

/** |gy·x| summed over the terms of every gw[c, t], as the float64 js kernel sums gy·x (so: the same kernel on |·|). */
function absBound(gy: Float32Array, x: Float32Array, g: ConvGeom): Float64Array {
  const b = new Float64Array(g.Cout * g.kH * g.kW);
  conv2dBackwardWeightDepthwise(b, gy.map(Math.abs), x.map(Math.abs), g);
  return b;
}

function check(g: ConvGeom, seed: number): void {
  const T = g.kH * g.kW;
  const x = fillRandom(new Float32Array(g.N * g.Cin * g.H * g.W), seed, 'uniform');
  const gy = fillRandom(new Float32Array(g.N * g.Cout * g.oH * g.oW), seed + 1, 'uniform');
  const ref = new Float64Array(g.Cout * T), gw = new Float32Array(g.Cout * T).fill(NaN);
  conv2dBackwardWeightDepthwise(ref, gy, x, g);
  expect(depthwiseWeightGradWasm(gw, gy, x, g)).toBe(true);
  const bound = absBound(gy, x, g);
  // a float32 partial holds m ≤ max(64, ⌈oW/4⌉) products per lane: (m + 2)·2⁻²⁴ of Σ|gy·x|, then one rounding
  const m = Math.max(64, Math.ceil(g.oW / 4));
  for (let k = 0; k < ref.length; k++) {
    expect(Math.abs(gw[k] - ref[k])).toBeLessThanOrEqual((m + 2) * 2 ** -24 * bound[k] + 2 ** -24 * Math.abs(ref[k]));
  }
}

describe.runIf(wasmFeatures().simd)('wasm depth-wise weight gradient', () => {
  test('random geometry (3x3, strips up to 11, other kernels; dilation 1-5; any padding; planes smaller than the kernel)', () => {
    fc.assert(fc.property(depthwiseGeomArb, fc.nat(1 << 20), (g, seed) => check(g, seed)), { numRuns: 200, seed: 0x5eed + 60 });
  });

  test("AMSUnet's shapes at 64x64 and below, and a wide plane (long rows: partials of one row)", () => {
    for (const [H, d] of [[64, 1], [32, 1], [16, 1], [8, 3], [4, 5], [3, 5]]) {
      check(dwGeom(3, H, H, 3, 3, d, d, d), H);
      for (const k of [5, 7, 11]) {
        check(dwGeom(2, H, H, 1, k, 0, (k - 1) / 2, 1), k);
        check(dwGeom(2, H, H, k, 1, (k - 1) / 2, 0, 1), k + 1);
      }
    }
    check(dwGeom(2, 5, 1030, 1, 11, 0, 5, 1, 1), 7);
  });

  test('1, 2 and 3 threads give bit-identical results', () => {
    const g = dwGeom(37, 29, 33, 3, 3, 3, 3, 3, 3);
    const x = fillRandom(new Float32Array(g.N * g.Cin * g.H * g.W), 5, 'uniform');
    const gy = fillRandom(new Float32Array(g.N * g.Cout * g.oH * g.oW), 6, 'uniform');
    const results = [1, 2, 3].map((t) => {
      setThreads(t);
      const gw = new Float32Array(g.Cout * 9);
      depthwiseWeightGradWasm(gw, gy, x, g);
      return gw;
    });
    expect(firstMismatch(results[1], results[0])).toBe(-1);
    expect(firstMismatch(results[2], results[0])).toBe(-1);
  });

  test('operands already in the shared heap are used in place', () => {
    const g = dwGeom(3, 9, 10, 1, 7, 0, 3, 1);
    const heap = getHeap();
    const x = fillRandom(new Float32Array(g.N * g.Cin * g.H * g.W), 8, 'uniform'), gy = fillRandom(new Float32Array(g.N * g.Cout * g.oH * g.oW), 9, 'uniform');
    const expected = new Float32Array(g.Cout * 7);
    depthwiseWeightGradWasm(expected, gy, x, g);
    // views near the top of the memory, away from the staging arena the call resets
    const top = heap.memory.buffer.byteLength;
    heap.ensure(top + 65536);
    const inHeap = (a: Float32Array, at: number) => {
      const v = new Float32Array(heap.memory.buffer, top + at, a.length);
      v.set(a);
      return v;
    };
    const gw = new Float32Array(heap.memory.buffer, top + 32768, g.Cout * 7);
    expect(depthwiseWeightGradWasm(gw, inHeap(gy, 0), inHeap(x, 16384), g)).toBe(true);
    expect(firstMismatch(gw, expected)).toBe(-1);
  });

  test('a plane larger than a thread’s scratch slot (1000x1000) runs here too, within the bound, on 1 and 2 threads alike', () => {
    const g = dwGeom(2, 1000, 1000, 3, 3, 1, 1, 1, 1);
    check(g, 11);
    const x = fillRandom(new Float32Array(2 * 1000 * 1000), 12), gy = fillRandom(new Float32Array(2 * 1000 * 1000), 13);
    const [one, two] = [1, 2].map((t) => {
      setThreads(t);
      const gw = new Float32Array(2 * 9);
      expect(depthwiseWeightGradWasm(gw, gy, x, g)).toBe(true);
      return gw;
    });
    expect(firstMismatch(two, one)).toBe(-1);
  });
});
