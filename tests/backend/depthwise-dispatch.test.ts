/**
 * conv2d's dispatcher sends float32 stride-1 depth-wise convs to the wasm kernels on the wasm backend: all three
 * passes agree with the js kernels within float32 summation error, on random geometry; float64 and the js backend
 * keep the js kernels (bit-identical to the reference); the results do not depend on the thread count.
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getBackend, setBackend, setThreads, wasmFeatures } from '../../src/backend/index.js';
import type { ConvGeom } from '../../src/kernels/conv2d.js';
import { conv2dForward, conv2dBackwardInput, conv2dBackwardWeight } from '../../src/backend/dispatch/conv2d.js';
import {
  conv2dForwardDepthwise, conv2dBackwardInputDepthwise, conv2dBackwardWeightDepthwise,
} from '../../src/kernels/conv2d-depthwise.js';
import { firstMismatch } from './gemm-problems.js';
import { depthwiseGeomArb, dwGeom } from './depthwise-geoms.js';
import { fillRandom } from '../helpers/random.js';

const initialBackend = getBackend();
afterAll(() => (setThreads(1), setBackend(initialBackend)));

interface Passes {
  y: Float32Array;
  gx: Float32Array;
  gw: Float32Array;
}

function operands(g: ConvGeom, seed: number) {
  const T = g.kH * g.kW;
  return {
    x: fillRandom(new Float32Array(g.N * g.Cin * g.H * g.W), seed, 'uniform'), w: fillRandom(new Float32Array(g.Cout * T), seed + 1, 'uniform'),
    b: fillRandom(new Float32Array(g.Cout), seed + 2, 'uniform'), gy: fillRandom(new Float32Array(g.N * g.Cout * g.oH * g.oW), seed + 3, 'uniform'),
  };
}

function dispatched(g: ConvGeom, seed: number): Passes {
  const { x, w, b, gy } = operands(g, seed);
  const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
  conv2dForward(y, x, w, b, g);
  conv2dBackwardInput(gx, gy, w, g);
  conv2dBackwardWeight(gw, gy, x, g);
  return { y, gx, gw };
}

/** Each output vs the float64 js kernel; the bound is the same kernel on |operands| (Σ of |terms|). */
function expectClose(got: Float32Array, run: (out: Float64Array, abs: boolean) => void, gamma: number): void {
  const ref = new Float64Array(got.length), bound = new Float64Array(got.length);
  run(ref, false);
  run(bound, true);
  for (let k = 0; k < got.length; k++) {
    expect(Math.abs(got[k] - ref[k])).toBeLessThanOrEqual(gamma * bound[k] + 2 ** -24 * Math.abs(ref[k]));
  }
}

describe.runIf(wasmFeatures().simd && wasmFeatures().sharedMemory)('conv2d depth-wise dispatch on the wasm backend', () => {
  test('float32: forward, input and weight gradients within float32 summation error of the js kernels', () => {
    setBackend('wasm');
    fc.assert(
      fc.property(depthwiseGeomArb, fc.nat(1 << 20), (g, seed) => {
        const got = dispatched(g, seed);
        const { x, w, b, gy } = operands(g, seed);
        const abs = (a: Float32Array) => a.map(Math.abs);
        const T = g.kH * g.kW;
        // a forward / input sum has T + 1 terms (bias included): (T + 2)·2⁻²⁴ of Σ|terms|
        expectClose(got.y, (out, a) => conv2dForwardDepthwise(out, a ? abs(x) : x, a ? abs(w) : w, a ? abs(b) : b, g), (T + 2) * 2 ** -24);
        expectClose(got.gx, (out, a) => conv2dBackwardInputDepthwise(out, a ? abs(gy) : gy, a ? abs(w) : w, g), (T + 2) * 2 ** -24);
        const m = Math.max(64, Math.ceil(g.oW / 4));
        expectClose(got.gw, (out, a) => conv2dBackwardWeightDepthwise(out, a ? abs(gy) : gy, a ? abs(x) : x, g), (m + 2) * 2 ** -24);
      }),
      { numRuns: 150, seed: 0x5eed + 61 },
    );
  });

  test('the wasm kernels run (float32 results differ from the float64-summing js kernels somewhere)', () => {
    setBackend('wasm');
    const g = dwGeom(8, 32, 32, 3, 3, 3, 3, 3);
    const got = dispatched(g, 4);
    setBackend('js');
    const js = dispatched(g, 4);
    setBackend('wasm');
    expect(firstMismatch(got.y, js.y)).not.toBe(-1);
    expect(firstMismatch(got.gw, js.gw)).not.toBe(-1);
  });

  test('the js backend and float64 keep the js kernels, bit for bit', () => {
    fc.assert(
      fc.property(depthwiseGeomArb, fc.nat(1 << 20), fc.constantFrom<'js' | 'wasm'>('js', 'wasm'), (g, seed, backend) => {
        setBackend(backend);
        const { x, w, b, gy } = operands(g, seed);
        const F64 = (a: Float32Array) => Float64Array.from(a);
        const Arr = backend === 'js' ? Float32Array : Float64Array;
        const [xs, ws, bs, gys] = backend === 'js' ? [x, w, b, gy] : [F64(x), F64(w), F64(b), F64(gy)];
        const pairs: [(o: Float32Array | Float64Array) => void, (o: Float32Array | Float64Array) => void, number][] = [
          [(o) => conv2dForward(o, xs, ws, bs, g), (o) => conv2dForwardDepthwise(o, xs, ws, bs, g), gy.length],
          [(o) => conv2dBackwardInput(o, gys, ws, g), (o) => conv2dBackwardInputDepthwise(o, gys, ws, g), x.length],
          [(o) => conv2dBackwardWeight(o, gys, xs, g), (o) => conv2dBackwardWeightDepthwise(o, gys, xs, g), w.length],
        ];
        for (const [viaDispatch, direct, n] of pairs) {
          const a = new Arr(n), r = new Arr(n);
          viaDispatch(a);
          direct(r);
          expect(firstMismatch(a, r)).toBe(-1);
        }
      }),
      { numRuns: 60, seed: 0x5eed + 62 },
    );
    setBackend('wasm');
  });

  test('1, 2 and 3 threads give bit-identical results in all three passes', () => {
    setBackend('wasm');
    const geoms = [dwGeom(24, 33, 35, 3, 3, 1, 1, 1), dwGeom(16, 20, 21, 1, 11, 0, 5, 1), dwGeom(16, 9, 9, 3, 3, 5, 5, 5, 3)];
    for (const g of geoms) {
      const results = [1, 2, 3].map((t) => (setThreads(t), dispatched(g, 17)));
      for (const r of results.slice(1)) {
        expect(firstMismatch(r.y, results[0].y)).toBe(-1);
        expect(firstMismatch(r.gx, results[0].gx)).toBe(-1);
        expect(firstMismatch(r.gw, results[0].gw)).toBe(-1);
      }
    }
  });
});
