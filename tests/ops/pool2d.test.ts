/** adaptiveAvgPool2d, avgPool2d, maxPool2d: golden global pool, naive references, output sizes, gradcheck, adjointness, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, gradcheck, tensor, Generator, zeros, Tensor } from '../../src/index.js';
import { loadGolden } from '../golden.js';
import { cast, dot } from './core-util.js';
import { maxRelErr } from '../helpers/close.js';
import { seeded } from '../helpers/random.js';
import { adaptiveAvgPool2dBackward } from '../../src/kernels/pool2d.js';

/** Distinct values 0.1·k in a seeded random order: no ties, no near-ties, so max pooling is differentiable everywhere. */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = Float64Array.from({ length: n }, (_, i) => 0.1 * (i - n / 2));
  const g = new Generator(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return tensor(v, shape);
}

// PyTorch's integer forms: start_index = (a/b)·c + ((a%b)·c)/b, end_index = 1 + ((a+1)·c − 1)/b (C integer division).
const idiv = (a: number, b: number): number => Math.trunc(a / b);
const startIndex = (a: number, b: number, c: number): number => idiv(a, b) * c + idiv((a % b) * c, b);
const endIndex = (a: number, b: number, c: number): number => 1 + idiv((a + 1) * c - 1, b);

function refAdaptive(x: Tensor, oH: number, oW: number): Float64Array {
  const [N, C, H, W] = x.shape;
  const y = new Float64Array(N * C * oH * oW);
  for (let p = 0; p < N * C; p++) {
    for (let i = 0; i < oH; i++) {
      for (let j = 0; j < oW; j++) {
        const [h0, h1, w0, w1] = [startIndex(i, oH, H), endIndex(i, oH, H), startIndex(j, oW, W), endIndex(j, oW, W)];
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x.data[p * H * W + h * W + w];
        y[p * oH * oW + i * oW + j] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  return y;
}

interface Geo {
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  pH: number;
  pW: number;
  dH: number;
  dW: number;
  ceil: boolean;
}
/** Output length as documented for torch.nn.MaxPool2d / AvgPool2d (with the ceil-mode last-window rule). */
function outLen(inS: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = inS + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= inS + p) o--;
  return o;
}

/** Window by definition: positions oh·s − p + kh·d; padding is −∞ (max) or 0 counted by countIncludePad (avg). */
function refPool(x: Tensor, g: Geo, kind: 'max' | 'avg', countIncludePad = true): { y: Float64Array; arg: Int32Array; oH: number; oW: number } {
  const [N, C, H, W] = x.shape;
  const oH = outLen(H, g.kH, g.sH, g.pH, g.dH, g.ceil);
  const oW = outLen(W, g.kW, g.sW, g.pW, g.dW, g.ceil);
  const y = new Float64Array(N * C * oH * oW);
  const arg = new Int32Array(y.length).fill(-1);
  for (let p = 0; p < N * C; p++) {
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        let best = -Infinity;
        let sum = 0;
        let inside = 0;
        let withPad = 0;
        for (let kh = 0; kh < g.kH; kh++) {
          for (let kw = 0; kw < g.kW; kw++) {
            const ih = oh * g.sH - g.pH + kh * g.dH;
            const iw = ow * g.sW - g.pW + kw * g.dW;
            if (ih < H + g.pH && iw < W + g.pW) withPad++;
            if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
            const v = x.data[p * H * W + ih * W + iw];
            inside++;
            sum += v;
            if (v > best) {
              best = v;
              arg[p * oH * oW + oh * oW + ow] = ih * W + iw;
            }
          }
        }
        const o = p * oH * oW + oh * oW + ow;
        y[o] = kind === 'max' ? best : inside === 0 ? 0 : sum / (countIncludePad ? withPad : inside);
      }
    }
  }
  return { y, arg, oH, oW };
}

describe('adaptiveAvgPool2d', () => {
  test('golden avgpool_global: y and gx (float64 ≤ 1e-10, float32 ≤ 1e-5)', () => {
    const g = loadGolden('ops/avgpool_global.safetensors');
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-10 : 1e-5;
      for (const size of [1, [1, 1] as [number, number]]) {
        const x = cast(g.get('x'), dtype).requiresGrad_();
        const y = adaptiveAvgPool2d(x, size);
        expect(y.shape).toEqual([2, 4, 1, 1]);
        y.backward(cast(g.get('gy'), dtype));
        expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(tol);
        expect(maxRelErr(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(tol);
      }
    }
  });

  test('windows: overlapping for non-divisible sizes, exact blocks for divisible ones, null keeps a dim', () => {
    // 5 → 3: rows [0, 2), [1, 4), [3, 5)
    const x = tensor([0, 1, 2, 3, 4], [1, 1, 1, 5], { dtype: 'float64' });
    expect(Array.from(adaptiveAvgPool2d(x, [1, 3]).data)).toEqual([0.5, 2, 3.5]);
    const b = seeded([1, 2, 6, 4], 1);
    const blocks = adaptiveAvgPool2d(b, [3, 2]);
    expect(maxRelErr(blocks.data, avgPool2d(b, 2).data)).toBeLessThanOrEqual(1e-15);
    expect(adaptiveAvgPool2d(b, [null, 1]).shape).toEqual([1, 2, 6, 1]);
    expect(maxRelErr(adaptiveAvgPool2d(b, [6, 4]).data, b.data)).toBe(0); // identity
  });

  const adaCase = fc.record({
    N: fc.integer({ min: 1, max: 3 }),
    C: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    oH: fc.integer({ min: 1, max: 10 }),
    oW: fc.integer({ min: 1, max: 10 }),
    seed: fc.nat(10_000),
  });
  test('forward = naive reference (PyTorch integer window formulas), adjoint backward, gradcheck', () => {
    fc.assert(
      fc.property(adaCase, (c) => {
        const x = seeded([c.N, c.C, c.H, c.W], c.seed).requiresGrad_();
        const y = adaptiveAvgPool2d(x, [c.oH, c.oW]);
        expect(maxRelErr(y.data, refAdaptive(x, c.oH, c.oW))).toBeLessThanOrEqual(1e-15);
        const y32 = adaptiveAvgPool2d(cast(x, 'float32'), [c.oH, c.oW]);
        expect(y32.dtype).toBe('float32');
        expect(maxRelErr(y32.data, y.data)).toBeLessThanOrEqual(1e-6);
        const gy = seeded(y.shape as number[], c.seed + 1);
        y.backward(gy);
        expect(Math.abs(dot(y.data, gy.data) - dot(x.data, x.grad!.data))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(dot(y.data, gy.data))));
      }),
      { numRuns: 100, seed: 21 },
    );
    fc.assert(
      fc.property(adaCase, (c) => {
        gradcheck((u) => adaptiveAvgPool2d(u, [c.oH, c.oW]), [seeded([c.N, c.C, c.H, c.W], c.seed)]);
      }),
      { numRuns: 25, seed: 22 },
    );
  });

  test('backward where the windows tile the plane (oH | H, oW | W: the native-fill path) has the bits of a zero-filled plane with each window\'s gy/count added, into any old numbers, -0 included', () => {
    const tiled = fc.record({
      P: fc.integer({ min: 1, max: 4 }), oH: fc.integer({ min: 1, max: 4 }), oW: fc.integer({ min: 1, max: 4 }),
      wh: fc.integer({ min: 1, max: 5 }), ww: fc.integer({ min: 1, max: 5 }), f64: fc.boolean(),
      gy: fc.array(fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(0, -0, 1e-40, NaN)), { minLength: 64, maxLength: 64 }),
    });
    fc.assert(
      fc.property(tiled, ({ P, oH, oW, wh, ww, f64, gy: values }) => {
        const H = oH * wh, W = oW * ww, Arr = f64 ? Float64Array : Float32Array;
        const gy = new Arr(P * oH * oW).map((_, i) => values[i % values.length]);
        const gx = new Arr(P * H * W).fill(NaN), ref = new Arr(P * H * W); // zero-filled, then the windows added in
        adaptiveAvgPool2dBackward(gx, gy, { P, H, W, oH, oW });
        for (let p = 0; p < P; p++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
          ref[(p * H + i) * W + j] += gy[(p * oH + Math.floor(i / wh)) * oW + Math.floor(j / ww)] / (wh * ww);
        }
        for (let k = 0; k < ref.length; k++) expect(Object.is(gx[k], ref[k]), `element ${k}: ${gx[k]} vs ${ref[k]}`).toBe(true);
      }),
      { numRuns: 200, seed: 23 },
    );
  });
});

describe('avgPool2d and maxPool2d', () => {
  test('output sizes as PyTorch (floor, ceil, and the ceil-mode last-window rule)', () => {
    const sz = (H: number, k: number, o: { stride?: number; padding?: number; dilation?: number; ceilMode?: boolean }): number =>
      maxPool2d(zeros([1, 1, H, H]), k, o).shape[2];
    expect(sz(7, 3, { stride: 2 })).toBe(3);
    expect(sz(6, 3, { stride: 2 })).toBe(2);
    expect(sz(6, 3, { stride: 2, ceilMode: true })).toBe(3);
    expect(sz(5, 2, {})).toBe(2); // stride defaults to the kernel size
    expect(sz(5, 2, { ceilMode: true })).toBe(3);
    expect(sz(5, 3, { stride: 3, padding: 1, ceilMode: true })).toBe(2); // the 3rd window would start in the right padding
    expect(sz(7, 3, { stride: 1, dilation: 2 })).toBe(3);
    expect(avgPool2d(zeros([1, 1, 5, 5]), 3, { stride: 3, padding: 1, ceilMode: true }).shape).toEqual([1, 1, 2, 2]);
    expect(avgPool2d(zeros([1, 1, 4, 7]), [2, 3], { stride: [1, 2] }).shape).toEqual([1, 1, 3, 3]);
  });

  test('avgPool2d divisors: countIncludePad counts padding, but never beyond in + pad (ceil mode)', () => {
    const x = tensor(new Array(9).fill(1), [1, 1, 3, 3], { dtype: 'float64' });
    // corner window of k=3, pad=1 covers 4 real pixels of 9 positions
    expect(avgPool2d(x, 3, { stride: 1, padding: 1 }).data[0]).toBeCloseTo(4 / 9, 15);
    expect(avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }).data[0]).toBe(1);
    // k=2, stride 2, ceil on 3: the last window [2, 4) is clipped at in + pad = 3, so its divisor is 1·2 = 2 rows·cols
    const y = avgPool2d(x, 2, { ceilMode: true });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([1, 1, 1, 1]);
  });

  test('maxPool2d: a dilated window entirely in the padding gives −∞ and passes no gradient (PyTorch eager behaviour)', () => {
    const x = tensor([3, 4], [1, 1, 2, 1], { dtype: 'float64', requiresGrad: true });
    const y = maxPool2d(x, [2, 1], { stride: 1, padding: [1, 0], dilation: [3, 1] }); // reads rows −1 and 2
    expect(Array.from(y.data)).toEqual([-Infinity]);
    y.backward(tensor([1], [1, 1, 1, 1], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data)).toEqual([0, 0]);
  });

  test('maxPool2d: gradient goes to the first maximum of the window on ties; −∞ padding never wins', () => {
    const x = tensor([5, 5, 1, 5, 2, 2, 2, 2, 2], [1, 1, 3, 3], { dtype: 'float64', requiresGrad: true });
    const y = maxPool2d(x, 2, { stride: 1 });
    expect(Array.from(y.data)).toEqual([5, 5, 5, 2]);
    y.backward(tensor([1, 10, 100, 1000], [1, 1, 2, 2], { dtype: 'float64' }));
    // windows: {5,5 / 5,2} → x[0]; {5,1 / 2,2} → x[1]; {5,2 / 2,2} → x[3]; {2,2 / 2,2} (all tied) → x[4]
    expect(Array.from(x.grad!.data)).toEqual([1, 10, 0, 100, 1000, 0, 0, 0, 0]);
    const neg = tensor([-7, -8, -9, -6], [1, 1, 2, 2], { dtype: 'float64' });
    expect(Array.from(maxPool2d(neg, 3, { stride: 1, padding: 1 }).data)).toEqual([-6, -6, -6, -6]);
  });

  const poolCase = fc.record({
    N: fc.integer({ min: 1, max: 2 }),
    C: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 4 }),
    sH: fc.integer({ min: 1, max: 3 }),
    sW: fc.integer({ min: 1, max: 3 }),
    pH: fc.integer({ min: 0, max: 2 }),
    pW: fc.integer({ min: 0, max: 2 }),
    dH: fc.integer({ min: 1, max: 3 }),
    dW: fc.integer({ min: 1, max: 3 }),
    ceil: fc.boolean(),
    countIncludePad: fc.boolean(),
    seed: fc.nat(10_000),
  });
  /** Clamp the padding to PyTorch's limit and skip geometries with an empty output. */
  type PoolCase = typeof poolCase extends fc.Arbitrary<infer T> ? T : never;
  function valid(c: PoolCase, dil: boolean): Geo | null {
    const g: Geo = {
      kH: c.kH,
      kW: c.kW,
      sH: c.sH,
      sW: c.sW,
      pH: Math.min(c.pH, c.kH >> 1),
      pW: Math.min(c.pW, c.kW >> 1),
      dH: dil ? c.dH : 1,
      dW: dil ? c.dW : 1,
      ceil: c.ceil,
    };
    if (outLen(c.H, g.kH, g.sH, g.pH, g.dH, g.ceil) < 1 || outLen(c.W, g.kW, g.sW, g.pW, g.dW, g.ceil) < 1) return null;
    return g;
  }

  test('forward and arg-max gradient routing = naive reference; avg backward is the adjoint', () => {
    fc.assert(
      fc.property(poolCase, (c) => {
        const gm = valid(c, true);
        if (gm) {
          const x = distinct([c.N, c.C, c.H, c.W], c.seed).requiresGrad_();
          const opts = { stride: [gm.sH, gm.sW] as [number, number], padding: [gm.pH, gm.pW] as [number, number], dilation: [gm.dH, gm.dW] as [number, number], ceilMode: gm.ceil };
          const y = maxPool2d(x, [gm.kH, gm.kW], opts);
          const ref = refPool(x, gm, 'max');
          expect(y.shape).toEqual([c.N, c.C, ref.oH, ref.oW]);
          expect(Array.from(y.data)).toEqual(Array.from(ref.y));
          const gy = seeded(y.shape as number[], c.seed + 1);
          y.backward(gy);
          const gxRef = new Float64Array(x.size);
          const plane = c.H * c.W;
          ref.arg.forEach((a, o) => {
            if (a >= 0) gxRef[Math.floor(o / (ref.oH * ref.oW)) * plane + a] += gy.data[o];
          });
          expect(maxRelErr(x.grad!.data, gxRef)).toBeLessThanOrEqual(1e-15);
          expect(Array.from(maxPool2d(cast(x, 'float32'), [gm.kH, gm.kW], opts).data)).toEqual(Array.from(ref.y, Math.fround));
        }
        const ga = valid(c, false);
        if (ga) {
          const x = seeded([c.N, c.C, c.H, c.W], c.seed).requiresGrad_();
          const opts = { stride: [ga.sH, ga.sW] as [number, number], padding: [ga.pH, ga.pW] as [number, number], ceilMode: ga.ceil, countIncludePad: c.countIncludePad };
          const y = avgPool2d(x, [ga.kH, ga.kW], opts);
          const ref = refPool(x, ga, 'avg', c.countIncludePad);
          expect(y.shape).toEqual([c.N, c.C, ref.oH, ref.oW]);
          expect(maxRelErr(y.data, ref.y)).toBeLessThanOrEqual(1e-15);
          expect(maxRelErr(avgPool2d(cast(x, 'float32'), [ga.kH, ga.kW], opts).data, ref.y)).toBeLessThanOrEqual(1e-6);
          const gy = seeded(y.shape as number[], c.seed + 2);
          y.backward(gy);
          expect(Math.abs(dot(y.data, gy.data) - dot(x.data, x.grad!.data))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(dot(y.data, gy.data))));
        }
      }),
      { numRuns: 200, seed: 31 },
    );
  });

  test('float64 gradcheck (max pool on tie-free inputs)', () => {
    fc.assert(
      fc.property(poolCase, (c) => {
        const gm = valid(c, true);
        if (gm) {
          const opts = { stride: [gm.sH, gm.sW] as [number, number], padding: [gm.pH, gm.pW] as [number, number], dilation: [gm.dH, gm.dW] as [number, number], ceilMode: gm.ceil };
          const x = distinct([c.N, c.C, c.H, c.W], c.seed);
          // a dilated window can fall entirely into the padding: its output is −∞ (as PyTorch) and has no gradient
          if (maxPool2d(x, [gm.kH, gm.kW], opts).data.every(Number.isFinite)) gradcheck((u) => maxPool2d(u, [gm.kH, gm.kW], opts), [x]);
        }
        const ga = valid(c, false);
        if (ga) {
          const opts = { stride: [ga.sH, ga.sW] as [number, number], padding: [ga.pH, ga.pW] as [number, number], ceilMode: ga.ceil, countIncludePad: c.countIncludePad };
          gradcheck((u) => avgPool2d(u, [ga.kH, ga.kW], opts), [seeded([c.N, c.C, c.H, c.W], c.seed)]);
        }
      }),
      { numRuns: 30, seed: 32 },
    );
  });
});

describe('errors', () => {
  const x = zeros([1, 2, 4, 4]);
  test('rank and dtype', () => {
    expect(() => maxPool2d(zeros([2, 4, 4]), 2)).toThrow('maxPool2d: expected a 4-D input [N, C, H, W], got rank 3; input [2, 4, 4]');
    expect(() => avgPool2d(zeros([4, 4]), 2)).toThrow('avgPool2d: expected a 4-D input [N, C, H, W], got rank 2; input [4, 4]');
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 2, 2], { dtype: 'int32' }), 1)).toThrow('adaptiveAvgPool2d: expects a float input, got int32; input [1, 1, 2, 2]');
  });
  test('kernel, stride, dilation and padding limits', () => {
    expect(() => maxPool2d(x, 0)).toThrow('maxPool2d: kernelSize must be positive, got [0, 0]');
    expect(() => avgPool2d(x, [2, 1.5] as unknown as [number, number])).toThrow('avgPool2d: kernelSize must be an integer or an [h, w] pair of integers, got [2,1.5]');
    expect(() => maxPool2d(x, 2, { stride: 0 })).toThrow('maxPool2d: stride must be positive, got [0, 0]');
    expect(() => maxPool2d(x, 2, { dilation: [1, 0] })).toThrow('maxPool2d: dilation must be positive, got [1, 0]');
    expect(() => avgPool2d(x, 3, { padding: 2 })).toThrow('avgPool2d: padding must be between 0 and half the kernel size, got padding [2, 2] for kernelSize [3, 3]');
    expect(() => maxPool2d(x, 5)).toThrow(
      'maxPool2d: output size [0, 0] is too small (kernelSize [5, 5], stride [5, 5], padding [0, 0], dilation [1, 1]); input [1, 2, 4, 4]',
    );
  });
  test('adaptive output sizes', () => {
    expect(() => adaptiveAvgPool2d(x, 0)).toThrow('adaptiveAvgPool2d: outputSize must be positive integers, got [0, 0]; input [1, 2, 4, 4]');
    expect(() => adaptiveAvgPool2d(x, [2, -1])).toThrow('adaptiveAvgPool2d: outputSize must be positive integers, got [2, -1]; input [1, 2, 4, 4]');
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 0, 3]), 1)).toThrow('adaptiveAvgPool2d: input H and W must be positive; input [1, 1, 0, 3]');
  });
});
