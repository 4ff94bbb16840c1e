import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gemmJs, type GemmProblem } from '../../src/tensor/kernels/gemm.js';
import { SharedHeap } from '../../src/backend/heap.js';
import { wasmFeatures } from '../../src/backend/wasm/features.js';
import { defaultGemmShape, instantiateGemm } from '../../src/backend/wasm/gemm-instance.js';
import { gemmScratchBytes, gemmWasmBlock, type WasmGemmProblem } from '../../src/backend/wasm/gemm-driver.js';
import type { GemmKernelShape } from '../../src/backend/wasm/gemm-module.js';
import { gemmCase, makeProblem, maxScaledErr, naiveGemm } from './gemm-problems.js';

const shapes: GemmKernelShape[] = [
  { MR: 4, NR: 8, relaxed: false },
  { MR: 3, NR: 4, relaxed: false }, // odd MR: the strided packA path only
  ...(wasmFeatures().relaxedSimd ? [{ MR: 4, NR: 8, relaxed: true }] : []),
];

/** Copy a problem's buffers into the heap and return the wasm-side problem plus a way to read C back. */
function stage(heap: SharedHeap, p: GemmProblem): { w: WasmGemmProblem; readC: () => Float32Array } {
  heap.resetStaging();
  const a = heap.stageCopy(p.a, 0, p.a.length, 'float32') + 4 * p.aOffset;
  const b = heap.stageCopy(p.b, 0, p.b.length, 'float32') + 4 * p.bOffset;
  const cBase = heap.stageCopy(p.c, 0, p.c.length, 'float32');
  const w = { M: p.M, N: p.N, K: p.K, a, lda: p.lda, transA: p.transA, b, ldb: p.ldb, transB: p.transB,
    c: cBase + 4 * p.cOffset, ldc: p.ldc, accumulate: p.accumulate, packedA: 0, packedB: 0 };
  return { w, readC: () => heap.f32.slice(cBase / 4, cBase / 4 + p.c.length) };
}

describe.runIf(wasmFeatures().simd)('wasm SIMD GEMM (generated kernel)', () => {
  const heap = new SharedHeap({ slots: 1, slotBytes: Math.max(...shapes.map(gemmScratchBytes)) });

  test.each(shapes)('MR=$MR NR=$NR relaxed=$relaxed agrees with the js GEMM within float32 summation error', (shape) => {
    const k = instantiateGemm(heap.memory, shape);
    fc.assert(
      fc.property(gemmCase(40, 40, 300), (g) => {
        const p = makeProblem(g, Float32Array);
        if (p.K === 0) return;
        const [, bound] = naiveGemm(p);
        const { w, readC } = stage(heap, p);
        gemmWasmBlock(k, shape, w, heap.scratch(0));
        gemmJs(p);
        // |fl32(Σ) - Σ| ≤ γ_K·Σ|a·b| with γ_K ≈ K·2⁻²⁴; the js result adds at most one more rounding of 2⁻²⁴.
        const js64 = Float64Array.from(p.c);
        expect(maxScaledErr(readC(), js64, bound)).toBeLessThanOrEqual((g.K + 1) * 2 ** -24);
      }),
      { numRuns: 200, seed: 0x5eed + 10 },
    );
  });

  test('any split of C into blocks gives bit-identical results', () => {
    const shape = defaultGemmShape();
    const k = instantiateGemm(heap.memory, shape);
    fc.assert(
      fc.property(gemmCase(150, 40, 300), fc.nat(), fc.nat(), (g, si, sj) => {
        const p = makeProblem(g, Float32Array);
        const whole = stage(heap, p);
        gemmWasmBlock(k, shape, whole.w, heap.scratch(0));
        const expected = whole.readC();
        const split = stage(heap, p);
        const iCut = si % (g.M + 1), jCut = sj % (g.N + 1);
        gemmWasmBlock(k, shape, split.w, heap.scratch(0), 0, iCut, 0, jCut);
        gemmWasmBlock(k, shape, split.w, heap.scratch(0), 0, iCut, jCut, g.N);
        gemmWasmBlock(k, shape, split.w, heap.scratch(0), iCut, g.M, 0, g.N);
        expect(split.readC()).toEqual(expected);
      }),
      { numRuns: 60, seed: 0x5eed + 11 },
    );
  });

  test('a large product (spanning every cache block) matches the float64 naive loop', () => {
    const shape = defaultGemmShape();
    const k = instantiateGemm(heap.memory, shape);
    const g = { M: 133, N: 1100, K: 517, transA: false, transB: false, accumulate: true,
      padA: 1, padB: 0, padC: 3, offA: 2, offB: 0, offC: 1, seed: 7 };
    const p = makeProblem(g, Float32Array);
    const [ref, bound] = naiveGemm(p);
    const { w, readC } = stage(heap, p);
    gemmWasmBlock(k, shape, w, heap.scratch(0));
    expect(maxScaledErr(readC(), ref, bound)).toBeLessThanOrEqual((g.K + 1) * 2 ** -24);
  });
});
