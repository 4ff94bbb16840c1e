/**
 * Convolutions as GEMM (1x1 without copies, any other geometry by im2col/col2im) against the reference loop
 * kernels: float64 through the js GEMM to rounding, float32 through the backend (the wasm SIMD GEMM where it
 * validates) to float32 summation error, work-range splits bit-identical, and the dispatchers route 1x1 and
 * dense convs to these kernels.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gemmJs } from '../../src/kernels/gemm.js';
import { gemm, getBackend, getHeap, setBackend, setThreads, wasmFeatures } from '../../src/backend/index.js';
import {
  type ConvGeom, conv2dForwardReference, conv2dBackwardInputReference, conv2dBackwardWeightReference,
} from '../../src/kernels/conv2d.js';
import { conv2dForward, conv2dBackwardInput, conv2dBackwardWeight } from '../../src/backend/dispatch/conv2d.js';
import {
  type GemmFn, conv2dForwardPointwiseGemm, conv2dBackwardInputPointwiseGemm, conv2dBackwardWeightPointwiseGemm,
  conv2dForwardIm2col, conv2dBackwardInputIm2col, conv2dBackwardWeightIm2col, im2col, col2im,
} from '../../src/kernels/conv2d-gemm.js';
import { geomArb, sizes } from './conv-geom.js';
import { isPointwise } from '../../src/kernels/conv2d-pointwise.js';
import { isDepthwise } from '../../src/kernels/conv2d-depthwise.js';
import { maxRelErr } from '../helpers/close.js';
import { randomArray } from '../helpers/random.js';

type Arr = Float32Array | Float64Array;
interface Kernels {
  fwd: (y: Arr, x: Arr, w: Arr, b: Arr | null, g: ConvGeom, gm: GemmFn, lo?: number, hi?: number) => void;
  gx: (gx: Arr, gy: Arr, w: Arr, g: ConvGeom, gm: GemmFn, lo?: number, hi?: number) => void;
  gw: (gw: Arr, gy: Arr, x: Arr, g: ConvGeom, gm: GemmFn, lo?: number, hi?: number) => void;
}
const pointwise: Kernels = { fwd: conv2dForwardPointwiseGemm, gx: conv2dBackwardInputPointwiseGemm, gw: conv2dBackwardWeightPointwiseGemm };
const dense: Kernels = { fwd: conv2dForwardIm2col, gx: conv2dBackwardInputIm2col, gw: conv2dBackwardWeightIm2col };
const gemmJsFn: GemmFn = (p) => gemmJs(p);

/** All three passes of the GEMM kernels and of the reference, from the same inputs of type Ctor. */
function run(k: Kernels, g: ConvGeom, seed: number, withBias: boolean, Ctor: typeof Float32Array | typeof Float64Array, gm: GemmFn) {
  const s = sizes(g);
  const x = randomArray(Ctor, s.x, seed), w = randomArray(Ctor, s.w, seed + 1), gy = randomArray(Ctor, s.y, seed + 2);
  const b = withBias ? randomArray(Ctor, g.Cout, seed + 3) : null;
  const fast = { y: new Ctor(s.y), gx: new Ctor(s.x), gw: new Ctor(s.w) };
  k.fwd(fast.y, x, w, b, g, gm);
  k.gx(fast.gx, gy, w, g, gm);
  k.gw(fast.gw, gy, x, g, gm);
  // the reference in float64 from the very same (possibly float32) inputs
  const ref = { y: new Float64Array(s.y), gx: new Float64Array(s.x), gw: new Float64Array(s.w) };
  conv2dForwardReference(ref.y, x, w, b, g);
  conv2dBackwardInputReference(ref.gx, gy, w, g);
  conv2dBackwardWeightReference(ref.gw, gy, x, g);
  return { fast, ref, x, w, gy, b };
}

const worst = (r: ReturnType<typeof run>) =>
  Math.max(maxRelErr(r.fast.y, r.ref.y), maxRelErr(r.fast.gx, r.ref.gx), maxRelErr(r.fast.gw, r.ref.gw));

describe('conv as GEMM vs the reference loops', () => {
  let saved: ReturnType<typeof getBackend>;
  beforeAll(() => {
    saved = getBackend();
    setThreads(1);
  });
  afterAll(() => setBackend(saved));

  test.each([['1x1', pointwise, 'pointwise'], ['im2col', dense, 'any']] as const)(
    '%s, float64 on the js GEMM: forward (with and without bias), input and weight gradients to 1e-12',
    (_name, k, kind) => {
      fc.assert(
        fc.property(geomArb(kind), fc.nat(1 << 20), fc.boolean(), (g, seed, withBias) => {
          expect(worst(run(k, g, seed, withBias, Float64Array, gemmJsFn))).toBeLessThanOrEqual(1e-12);
        }),
        { numRuns: 120, seed: 31 },
      );
    },
  );

  test.runIf(wasmFeatures().simd).each([['1x1', pointwise, 'pointwise'], ['im2col', dense, 'dense']] as const)(
    '%s, float32 on the wasm GEMM: within float32 summation error of the float64 reference (1e-5 normwise)',
    (_name, k, kind) => {
      setBackend('wasm');
      // channel counts up to 40 so that K spans several micro-panels, maps up to 12x12
      fc.assert(
        fc.property(geomArb(kind, 20, 12), fc.nat(1 << 20), fc.boolean(), (g, seed, withBias) => {
          expect(worst(run(k, g, seed, withBias, Float32Array, gemm))).toBeLessThanOrEqual(1e-5);
        }),
        { numRuns: 60, seed: 32 },
      );
    },
  );

  test('a large 1x1 (K and the pixel count beyond one cache block) in float32 on the backend GEMM', () => {
    setBackend(wasmFeatures().simd ? 'wasm' : 'js');
    const g: ConvGeom = { N: 2, Cin: 300, H: 20, W: 60, Cout: 70, kH: 1, kW: 1, oH: 20, oW: 60, sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1, groups: 1 };
    expect(worst(run(pointwise, g, 5, true, Float32Array, gemm))).toBeLessThanOrEqual(1e-5);
  });

  test.each(['js', 'wasm'] as const)('splitting the work range gives the same bits (%s backend)', (backend) => {
    if (backend === 'wasm' && !wasmFeatures().simd) return;
    setBackend(backend);
    fc.assert(
      fc.property(fc.constantFrom(pointwise, dense), geomArb('any', 4, 6), fc.nat(1 << 20), fc.double({ min: 0, max: 1, noNaN: true }), (k, g0, seed, cut) => {
        const g = k === pointwise ? { ...g0, kH: 1, kW: 1, sH: 1, sW: 1, pH: 0, pW: 0, oH: g0.H, oW: g0.W } : g0;
        const s = sizes(g);
        const x = randomArray(Float32Array, s.x, seed), w = randomArray(Float32Array, s.w, seed + 1);
        const gy = randomArray(Float32Array, s.y, seed + 2), b = randomArray(Float32Array, g.Cout, seed + 3);
        const split = (total: number, n: number, f: (o: Float32Array, lo: number, hi: number) => void): void => {
          const whole = new Float32Array(n), parts = new Float32Array(n);
          f(whole, 0, total);
          const mid = Math.floor(cut * total);
          f(parts, mid, total);
          f(parts, 0, mid);
          expect(parts).toEqual(whole);
        };
        split(g.N * g.Cout, s.y, (o, lo, hi) => k.fwd(o, x, w, b, g, gemm, lo, hi));
        split(g.N * g.Cin, s.x, (o, lo, hi) => k.gx(o, gy, w, g, gemm, lo, hi));
        split(g.Cout, s.w, (o, lo, hi) => k.gw(o, gy, x, g, gemm, lo, hi));
      }),
      { numRuns: 60, seed: 33 },
    );
  });

  test('im2col is its definition, rows long enough for the native row copy included (float32 and float64)', () => {
    // col[(ci, kh, kw), (oh, ow)] = x[n, ci, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW], 0 outside x
    fc.assert(
      fc.property(geomArb('any', 2, 80), fc.nat(1 << 20), fc.boolean(), (g, seed, f32) => {
        const Ctor = f32 ? Float32Array : Float64Array;
        const x = randomArray(Ctor, sizes(g).x, seed);
        const P = g.oH * g.oW;
        const col = new Ctor(g.Cin * g.kH * g.kW * P).fill(NaN);
        for (let n = 0; n < g.N; n++) {
          im2col(col, x, g, n);
          for (let ci = 0; ci < g.Cin; ci++) for (let kh = 0; kh < g.kH; kh++) for (let kw = 0; kw < g.kW; kw++) {
            for (let oh = 0; oh < g.oH; oh++) for (let ow = 0; ow < g.oW; ow++) {
              const ih = oh * g.sH - g.pH + kh * g.dH, iw = ow * g.sW - g.pW + kw * g.dW;
              const inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
              const want = inside ? x[((n * g.Cin + ci) * g.H + ih) * g.W + iw] : 0;
              const got = col[((ci * g.kH + kh) * g.kW + kw) * P + oh * g.oW + ow];
              if (got !== want) expect({ n, ci, kh, kw, oh, ow, got }).toEqual({ n, ci, kh, kw, oh, ow, got: want });
            }
          }
        }
      }),
      { numRuns: 60, seed: 35 },
    );
  });

  test('col2im is the adjoint of im2col: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩', () => {
    fc.assert(
      fc.property(geomArb('any'), fc.nat(1 << 20), (g, seed) => {
        const s = sizes(g);
        const P = g.oH * g.oW, rows = g.Cin * g.kH * g.kW;
        const x = randomArray(Float64Array, s.x, seed), c = randomArray(Float64Array, rows * P, seed + 1);
        const col = new Float64Array(rows * P).fill(NaN); // every entry must be written, padding as 0
        const gx = new Float64Array(s.x);
        let lhs = 0, rhs = 0;
        for (let n = 0; n < g.N; n++) {
          im2col(col, x, g, n);
          for (let i = 0; i < rows * P; i++) lhs += col[i] * c[i];
          col2im(gx, c, g, n, 0, g.Cin, 0);
        }
        for (let i = 0; i < s.x; i++) rhs += x[i] * gx[i];
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lhs)));
      }),
      { numRuns: 100, seed: 34 },
    );
  });

  test('the dispatchers give the reference on any geometry, 1x1 kernels with padding or a cut output map included', () => {
    // a padded 1x1 conv whose output map is cut back to H (the adjoint of a transposed conv with output padding)
    // must not be taken for a plain 1x1: only kH = kW = 1, stride 1, no padding and oH, oW = H, W may read in place
    const nearPointwise = fc
      .tuple(geomArb('pointwise', 3, 5), fc.constantFrom('padH', 'padW', 'cutH', 'cutW', 'none'))
      .map(([g, how]): ConvGeom => {
        if (how === 'padH') return { ...g, pH: 1 };
        if (how === 'padW') return { ...g, pW: 1 };
        if (how === 'cutH') return { ...g, oH: Math.max(1, g.H - 1) };
        if (how === 'cutW') return { ...g, oW: Math.max(1, g.W - 1) };
        return g;
      });
    setBackend('js');
    fc.assert(
      fc.property(fc.oneof(nearPointwise, geomArb('any')), fc.nat(1 << 20), (g, seed) => {
        const s = sizes(g);
        const x = randomArray(Float64Array, s.x, seed), w = randomArray(Float64Array, s.w, seed + 1);
        const gy = randomArray(Float64Array, s.y, seed + 2), b = randomArray(Float64Array, g.Cout, seed + 3);
        const fast = { y: new Float64Array(s.y), gx: new Float64Array(s.x), gw: new Float64Array(s.w) };
        const ref = { y: new Float64Array(s.y), gx: new Float64Array(s.x), gw: new Float64Array(s.w) };
        conv2dForward(fast.y, x, w, b, g);
        conv2dBackwardInput(fast.gx, gy, w, g);
        conv2dBackwardWeight(fast.gw, gy, x, g);
        conv2dForwardReference(ref.y, x, w, b, g);
        conv2dBackwardInputReference(ref.gx, gy, w, g);
        conv2dBackwardWeightReference(ref.gw, gy, x, g);
        expect(Math.max(maxRelErr(fast.y, ref.y), maxRelErr(fast.gx, ref.gx), maxRelErr(fast.gw, ref.gw))).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 150, seed: 35 },
    );
  });

  /** A float32 view of the shared heap (as the buffer pool's tensor buffers are on the wasm backend). */
  const heapArray = (n: number): Float32Array => {
    const at = getHeap().allocRegion(4 * Math.max(n, 1)); // first: it may grow the memory (a new buffer)
    return new Float32Array(getHeap().f32.buffer, at, n);
  };

  test.runIf(wasmFeatures().simd)('on the wasm backend the dense passes make each image\'s col with the wasm im2col and add gcol back with col2im over the pool: the bits of the js loops, any image of the batch, 1 and 2 threads', () => {
    setBackend('wasm');
    try {
      for (const threads of [1, 2]) {
        setThreads(threads);
        fc.assert(
          // any geometry the dispatcher gives im2col (groups too: gcol's channels start past 0 in later groups)
          fc.property(geomArb('any', 3, 6).filter((g) => !isPointwise(g) && !isDepthwise(g)), fc.nat(1 << 20), (g, seed) => {
            const s = sizes(g);
            const x = randomArray(Float32Array, s.x, seed), w = randomArray(Float32Array, s.w, seed + 1);
            const gy = randomArray(Float32Array, s.y, seed + 2), b = randomArray(Float32Array, g.Cout, seed + 3);
            const [y1, y2] = [new Float32Array(s.y), new Float32Array(s.y)];
            conv2dForward(y1, x, w, b, g);
            dense.fwd(y2, x, w, b, g, gemm); // im2col on this thread (js), the same GEMM
            expect(y1).toEqual(y2);
            const [gw1, gw2] = [new Float32Array(s.w), new Float32Array(s.w)];
            conv2dBackwardWeight(gw1, gy, x, g);
            dense.gw(gw2, gy, x, g, gemm);
            expect(gw1).toEqual(gw2);
            // the input gradient of a gx in the heap (a tensor buffer): gcol in the heap, col2im over the pool by channel
            const gx1 = heapArray(s.x).fill(NaN), gx2 = new Float32Array(s.x);
            conv2dBackwardInput(gx1, gy, w, g);
            dense.gx(gx2, gy, w, g, gemm);
            expect(gx1).toEqual(gx2);
          }),
          { numRuns: 60, seed: 36 + threads },
        );
      }
    } finally {
      setThreads(1);
    }
  });

  test('the dispatchers run 1x1 and dense convs on the GEMM kernels (same bits)', () => {
    setBackend('js');
    const cases: [Kernels, ConvGeom][] = [
      [pointwise, { N: 2, Cin: 6, H: 5, W: 7, Cout: 4, kH: 1, kW: 1, oH: 5, oW: 7, sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1, groups: 2 }],
      [dense, { N: 2, Cin: 3, H: 9, W: 8, Cout: 5, kH: 3, kW: 3, oH: 9, oW: 8, sH: 1, sW: 1, pH: 1, pW: 1, dH: 1, dW: 1, groups: 1 }],
      [dense, { N: 1, Cin: 4, H: 9, W: 8, Cout: 6, kH: 2, kW: 2, oH: 4, oW: 4, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, groups: 1 }],
    ];
    for (const [k, g] of cases) {
      const s = sizes(g);
      const x = randomArray(Float64Array, s.x, 1), w = randomArray(Float64Array, s.w, 2), gy = randomArray(Float64Array, s.y, 3);
      const b = randomArray(Float64Array, g.Cout, 4);
      const [y1, y2] = [new Float64Array(s.y), new Float64Array(s.y)];
      conv2dForward(y1, x, w, b, g);
      k.fwd(y2, x, w, b, g, gemm);
      expect(y1).toEqual(y2);
      const [gx1, gx2] = [new Float64Array(s.x), new Float64Array(s.x)];
      conv2dBackwardInput(gx1, gy, w, g);
      k.gx(gx2, gy, w, g, gemm);
      expect(gx1).toEqual(gx2);
      const [gw1, gw2] = [new Float64Array(s.w), new Float64Array(s.w)];
      conv2dBackwardWeight(gw1, gy, x, g);
      k.gw(gw2, gy, x, g, gemm);
      expect(gw1).toEqual(gw2);
    }
  });
});
