import { describe, expect, test } from 'vitest';
import './relaxed-simd-on.js'; // first: the relaxed GEMM is tested beside the plain one
import fc from 'fast-check';
import { gemmJs, type GemmProblem } from '../../src/kernels/gemm.js';
import { SharedHeap } from '../../src/backend/parallel/heap.js';
import { wasmFeatures } from '../../src/backend/wasm/features.js';
import { defaultGemmShape, instantiateGemm } from '../../src/backend/wasm/gemm-instance.js';
import { gemmScratchBytes, gemmWasmBlock, packedFullBytes, type WasmGemmProblem } from '../../src/backend/wasm/gemm-driver.js';
import type { GemmKernelShape } from '../../src/backend/wasm/modules/gemm-module.js';
import { gemmCase, makeProblem, maxScaledErr, naiveGemm } from './gemm-problems.js';
import { gemm, getHeap, setBackend, setThreads } from '../../src/backend/index.js';
import { fillRandom } from '../helpers/random.js';
import { withPoolLog } from '../helpers/pool-log.js';

/** C[i, j] = fl(C[i, j] + bias[off + i]) over the M×N block: the separate bias pass the fused one must equal. */
function addBiasAfter(c: Float32Array | Float64Array, p: GemmProblem, bias: Float32Array | Float64Array, off: number): void {
  const round = c instanceof Float32Array ? Math.fround : (v: number) => v;
  for (let i = 0; i < p.M; i++) for (let j = 0; j < p.N; j++) {
    const at = p.cOffset + i * p.ldc + j;
    c[at] = round(c[at] + bias[off + i]);
  }
}

const shapes: GemmKernelShape[] = [
  { MR: 4, NR: 8, relaxed: false },
  { MR: 3, NR: 4, relaxed: false }, // odd MR: the strided packA path only
  { MR: 4, NR: 8, relaxed: true }, // relaxed-simd-on.ts turned it on; instantiateGemm throws if it did not validate
];

/** Copy a problem's buffers into the heap and return the wasm-side problem plus a way to read C back. */
function stage(heap: SharedHeap, p: GemmProblem): { w: WasmGemmProblem; readC: () => Float32Array } {
  heap.resetStaging();
  const a = heap.stageCopy(p.a, 0, p.a.length, 'float32') + 4 * p.aOffset;
  const b = heap.stageCopy(p.b, 0, p.b.length, 'float32') + 4 * p.bOffset;
  const cBase = heap.stageCopy(p.c, 0, p.c.length, 'float32');
  const w = { M: p.M, N: p.N, K: p.K, a, lda: p.lda, transA: p.transA, b, ldb: p.ldb, transB: p.transB,
    c: cBase + 4 * p.cOffset, ldc: p.ldc, accumulate: p.accumulate, packedA: 0, packedB: 0, bias: 0 };
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

  test('packA / packB write dst[(l/W)·kc·W + k·W + l%W] = src[l·laneStride + k·kStride], zero past n, on every path', () => {
    // lanes adjacent (strips of several panels, then single panels and the edge), k adjacent (4x4 transposes),
    // both strided; n up to 300 lanes spans several strips
    for (const shape of shapes.slice(0, 2)) {
      const k = instantiateGemm(heap.memory, shape);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom('lanes', 'k', 'neither'),
          fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.nat(), (n, kc, adjacent, pad, isA, seed) => {
            const W = isA ? shape.MR : shape.NR;
            const [laneStride, kStride] = adjacent === 'lanes' ? [1, n + pad] : adjacent === 'k' ? [kc + pad, 1] : [2 * kc + pad + 1, 2];
            const srcLen = (n - 1) * laneStride + (kc - 1) * kStride + 1;
            const src = fillRandom(new Float32Array(srcLen), seed, 'uniform');
            const panels = Math.ceil(n / W), dstLen = panels * kc * W;
            heap.resetStaging();
            const s = heap.stageCopy(src, 0, srcLen, 'float32');
            const d = heap.stageCopy(new Float32Array(dstLen + 4).fill(NaN), 0, dstLen + 4, 'float32');
            (isA ? k.packA : k.packB)(s, laneStride, kStride, n, kc, d);
            const expected = new Float32Array(dstLen + 4).fill(NaN);
            for (let l = 0; l < panels * W; l++) {
              for (let kk = 0; kk < kc; kk++) {
                expected[Math.floor(l / W) * kc * W + kk * W + (l % W)] = l < n ? src[l * laneStride + kk * kStride] : 0;
              }
            }
            expect(heap.f32.slice(d / 4, d / 4 + dstLen + 4)).toEqual(expected);
          }),
        { numRuns: 150, seed: 0x5eed + 14 },
      );
    }
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

  test('a row bias is added to the finished product: the same bits as a separate pass after it (blocks, K slices, edges)', () => {
    const shape = defaultGemmShape();
    const k = instantiateGemm(heap.memory, shape);
    fc.assert(
      fc.property(gemmCase(150, 40, 600), fc.nat(), (g, si) => {
        const p = makeProblem(g, Float32Array);
        if (p.K === 0) return;
        const bias = fillRandom(new Float32Array(g.M + 3), g.seed + 7, 'uniform');
        const plain = stage(heap, p);
        gemmWasmBlock(k, shape, plain.w, heap.scratch(0));
        const expected = plain.readC();
        addBiasAfter(expected, p, bias, 3);
        const fused = stage(heap, p);
        const w = { ...fused.w, bias: heap.stageCopy(bias, 0, bias.length, 'float32') + 12 };
        const iCut = si % (g.M + 1);
        gemmWasmBlock(k, shape, w, heap.scratch(0), 0, iCut);
        gemmWasmBlock(k, shape, w, heap.scratch(0), iCut, g.M);
        expect(fused.readC()).toEqual(expected);
        // the js kernel: the same contract
        const js = { ...p, c: Float32Array.from(p.c) };
        gemmJs(js);
        addBiasAfter(js.c, p, bias, 3);
        const jsFused = { ...p, c: Float32Array.from(p.c), rowBias: bias, rowBiasOffset: 3 };
        gemmJs(jsFused);
        expect(jsFused.c).toEqual(js.c);
      }),
      { numRuns: 80, seed: 0x5eed + 12 },
    );
  });

  test('split K (a small C, K of 8 or more slices, as a 1x1 conv\'s weight gradient): 2 threads give the bits of one (the blocked driver) and run the slice products', () => {
    let pooledSums = 0;
    try {
      setBackend('wasm');
      fc.assert(
        // M, N of 48-120 and K of 1,793-5,000: work enough for two threads, C small, ceil(K / 256) >= 8 slices
        fc.property(gemmCase(73, 73, 1), fc.integer({ min: 1793, max: 5000 }), (g, K) => {
          const p = makeProblem({ ...g, M: 47 + g.M, N: 47 + g.N, K, padC: g.seed % 3 === 0 ? 1 : 0 }, Float32Array);
          const one = { ...p, c: Float32Array.from(p.c) }, two = { ...p, c: Float32Array.from(p.c) };
          setThreads(1);
          gemm(one);
          setThreads(2);
          const kernels = withPoolLog((log) => (gemm(two), [...log]));
          expect(two.c).toEqual(one.c);
          // C with gaps between rows (ldc > N) keeps the blocked driver
          expect(kernels.includes('gemm.wasm.slices')).toBe(p.ldc === p.N);
          // the slices are summed into C by 'addList.wasm' (over the pool from 65,536 additions, else inline)
          expect(kernels.includes('addList.wasm')).toBe(p.ldc === p.N);
          if (p.ldc === p.N) pooledSums += p.M * p.N * (Math.ceil(K / 256) + (p.accumulate ? 1 : 0)) >= 1 << 16 ? 1 : 0;
        }),
        { numRuns: 40, seed: 0x5eed + 16 },
      );
      expect(pooledSums).toBeGreaterThan(3); // the sum split over the pool, not only inline
    } finally {
      setThreads(1);
    }
  });

  test('a heap too full to copy plain operands in: the js GEMM on this thread; too full for the packed operand: one wasm thread, the same bits', () => {
    setBackend('wasm');
    const heap = getHeap(), tryStage = heap.tryStage.bind(heap);
    try {
      const base = fc.sample(gemmCase(1, 1, 1), { seed: 11, numRuns: 1 })[0];
      // M not a multiple of MR = 4, so the packed op(A) (rows padded to 4) differs in size from every operand
      const [M, N, K] = [118, 256, 200];
      const p = makeProblem({ ...base, M, N, K, padC: 0 }, Float32Array);
      const one = { ...p, c: Float32Array.from(p.c) }, js = { ...p, c: Float32Array.from(p.c) };
      setThreads(1);
      gemm(one);
      gemmJs(js);
      setThreads(2);
      const normal = { ...p, c: Float32Array.from(p.c) };
      expect(withPoolLog((log) => (gemm(normal), [...log]))).toContain('gemm.wasm.pack'); // this size takes the parallel path
      // operands refused: nothing goes to the pool, C gets the js GEMM's result
      heap.tryStage = () => 0;
      const noRoom = { ...p, c: Float32Array.from(p.c) };
      expect(withPoolLog((log) => (gemm(noRoom), [...log]))).toEqual([]);
      expect(noRoom.c).toEqual(js.c);
      // only the shared packed op(A) refused (N > M: the columns are split, op(A) packed in full): one wasm thread
      const packBytes = packedFullBytes(M, K, defaultGemmShape().MR);
      heap.tryStage = (bytes) => (bytes === packBytes ? 0 : tryStage(bytes));
      const noPack = { ...p, c: Float32Array.from(p.c) };
      expect(withPoolLog((log) => (gemm(noPack), [...log]))).toEqual(['gemm.wasm']);
      expect(noPack.c).toEqual(one.c);
    } finally {
      heap.tryStage = tryStage;
      setThreads(1);
    }
  });

  test('split K with a heap too full for the slice products: C\'s rows or columns split instead, the same bits', () => {
    setBackend('wasm');
    const heap = getHeap(), tryStage = heap.tryStage.bind(heap);
    try {
      const p = makeProblem({ ...fc.sample(gemmCase(1, 1, 1), { seed: 7, numRuns: 1 })[0], M: 64, N: 96, K: 3000, padC: 0 }, Float32Array);
      const one = { ...p, c: Float32Array.from(p.c) }, two = { ...p, c: Float32Array.from(p.c) };
      setThreads(1);
      gemm(one);
      setThreads(2);
      const sliceProducts = Math.ceil(3000 / 256) * 64 * 96 * 4; // refuse only those (the operands are staged too)
      heap.tryStage = (bytes) => (bytes === sliceProducts ? 0 : tryStage(bytes));
      const kernels = withPoolLog((log) => (gemm(two), [...log]));
      expect(kernels).not.toContain('gemm.wasm.slices');
      expect(kernels).toContain('gemm.wasm');
      expect(two.c).toEqual(one.c);
    } finally {
      heap.tryStage = tryStage;
      setThreads(1);
    }
  });

  test('gemm() with a row bias on each backend and 1 or 2 threads equals the product plus a separate bias pass', () => {
    try {
      for (const backend of ['wasm', 'js'] as const) {
        for (const threads of [1, 2]) {
          setBackend(backend);
          setThreads(threads);
          fc.assert(
            fc.property(gemmCase(300, 300, 300), (g) => {
              const p = makeProblem(g, Float32Array);
              const bias = fillRandom(new Float32Array(g.M + 1), g.seed + 3, 'uniform');
              const sep = { ...p, c: Float32Array.from(p.c) };
              gemm(sep);
              addBiasAfter(sep.c, p, bias, 1);
              const fused = { ...p, c: Float32Array.from(p.c), rowBias: bias, rowBiasOffset: 1 };
              gemm(fused);
              expect(fused.c).toEqual(sep.c);
            }),
            { numRuns: 12, seed: 0x5eed + 13 + threads },
          );
        }
      }
    } finally {
      setBackend('wasm');
      setThreads(1);
    }
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
