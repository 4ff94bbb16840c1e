/**
 * The depth-wise plane kernel generated per geometry (tap offsets as immediates, weights in locals;
 * modules/depthwise-module.ts) against the generic one that reads its tap table: the same bits on every output,
 * for random planes, taps (any kernel size up to MAX_SPECIALIZED_TAPS, dilation, padding) and lengths that
 * exercise the 16-, 4- and 1-wide column loops.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getHeap, wasmFeatures } from '../../src/backend/index.js';
import { MAX_SPECIALIZED_TAPS, depthwiseModuleBytes } from '../../src/backend/wasm/modules/depthwise-module.js';
import type { DepthwiseExports } from '../../src/backend/parallel/thread-context.js';
import { fillRandom } from '../helpers/random.js';
import { firstMismatch } from './gemm-problems.js';

type Plane = DepthwiseExports['plane'];

function instantiate(bytes: Uint8Array): Plane {
  const memory = getHeap().memory;
  return (new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as DepthwiseExports).plane;
}

const generic = (): Plane => instantiate(depthwiseModuleBytes());

/** Stage `a` into the heap; its byte address. */
function put(a: Float32Array | Int32Array): number {
  const heap = getHeap(), at = heap.stage(Math.max(4, a.byteLength));
  new Uint8Array(heap.memory.buffer, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return at;
}

const geometry = fc.record({
  H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 45 }),
  kH: fc.integer({ min: 1, max: 5 }), kW: fc.integer({ min: 1, max: 11 }),
  dH: fc.integer({ min: 1, max: 3 }), dW: fc.integer({ min: 1, max: 3 }),
  pH: fc.nat(6), pW: fc.nat(12), init: fc.float({ min: -2, max: 2, noNaN: true }), seed: fc.nat(),
}).filter((g) => g.kH * g.kW <= MAX_SPECIALIZED_TAPS && g.H + 2 * g.pH - g.dH * (g.kH - 1) >= 1 && g.W + 2 * g.pW - g.dW * (g.kW - 1) >= 1);

describe.runIf(wasmFeatures().simd)('depth-wise plane generated per geometry', () => {
  test('the same bits as the generic kernel', () => {
    const plainPlane = generic();
    fc.assert(
      fc.property(geometry, (g) => {
        const oH = g.H + 2 * g.pH - g.dH * (g.kH - 1), oW = g.W + 2 * g.pW - g.dW * (g.kW - 1);
        const dy: number[] = [], dx: number[] = [];
        for (let kh = 0; kh < g.kH; kh++) for (let kw = 0; kw < g.kW; kw++) {
          dy.push(kh * g.dH - g.pH);
          dx.push(kw * g.dW - g.pW);
        }
        const top = g.pH, left = g.pW, T = dy.length;
        const Hp = Math.max(g.H, oH + Math.max(...dy)) + top, Wp = Math.max(g.W, oW + Math.max(...dx)) + left;
        const offs = dy.map((v, t) => ((v + top) * Wp + dx[t] + left) * 4);
        const heap = getHeap();
        heap.resetStaging();
        const src = put(fillRandom(new Float32Array(g.H * g.W), g.seed, 'uniform'));
        const wts = put(fillRandom(new Float32Array(T), g.seed + 1, 'uniform'));
        const taps = put(Int32Array.from(offs));
        const pad = heap.stage(4 * Hp * Wp);
        const run = (plane: Plane): Float32Array => {
          const dst = heap.stage(4 * oH * oW);
          plane(src, g.H, g.W, dst, oH, oW, pad, top, left, Hp, Wp, taps, wts, T, g.init);
          return heap.f32.slice(dst / 4, dst / 4 + oH * oW);
        };
        const want = run(plainPlane), got = run(instantiate(depthwiseModuleBytes(offs)));
        expect(firstMismatch(got, want)).toBe(-1);
      }),
      { numRuns: 150, seed: 0x5eed + 93 },
    );
  });

  test('refuses offsets it cannot bake in', () => {
    expect(() => depthwiseModuleBytes([])).toThrow(/1 to 32 non-negative tap offsets/);
    expect(() => depthwiseModuleBytes([0, -4])).toThrow(/non-negative/);
    expect(() => depthwiseModuleBytes(Array.from({ length: MAX_SPECIALIZED_TAPS + 1 }, (_, i) => 4 * i))).toThrow(/1 to 32/);
  });
});
