/** interpolate: golden fixtures, PyTorch's coordinate rules against a naive reference, adjointness, gradcheck, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { interpolate, gradcheck, tensor, zeros, Tensor, type InterpolateOptions } from '../../src/index.js';
import { loadGolden } from '../golden.js';
import { cast, dot } from './core-util.js';
import { maxRelErr } from '../helpers/close.js';
import { seeded } from '../helpers/random.js';

/**
 * Naive reference written from the PyTorch rules, one output pixel at a time (float64):
 * bilinear: src = align ? o(in−1)/(out−1) : max((o+½)·r − ½, 0), r = 1/scale if given else in/out; i0 = floor, λ = src − i0;
 * nearest: min(floor(o·r), in − 1).
 */
function refInterpolate(x: Tensor, oH: number, oW: number, mode: 'bilinear' | 'nearest', align: boolean, scale?: [number, number]): Float64Array {
  const [N, C, H, W] = x.shape;
  const y = new Float64Array(N * C * oH * oW);
  const ratio = (inS: number, outS: number, s?: number): number => (s !== undefined ? 1 / s : inS / outS);
  const lin = (o: number, inS: number, outS: number, s?: number): [number, number, number] => {
    if (inS === outS) return [o, o, 0];
    let src = align ? (outS > 1 ? (o * (inS - 1)) / (outS - 1) : 0) : (o + 0.5) * ratio(inS, outS, s) - 0.5;
    if (src < 0) src = 0;
    const i0 = Math.min(Math.floor(src), inS - 1);
    const l = Math.min(Math.max(src - i0, 0), 1);
    return [i0, Math.min(i0 + 1, inS - 1), l];
  };
  const near = (o: number, inS: number, outS: number, s?: number): number => Math.min(Math.floor(o * ratio(inS, outS, s)), inS - 1);
  for (let p = 0; p < N * C; p++) {
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        const X = (h: number, w: number): number => x.data[p * H * W + h * W + w];
        let v: number;
        if (mode === 'nearest') v = X(near(oh, H, oH, scale?.[0]), near(ow, W, oW, scale?.[1]));
        else {
          const [h0, h1, a] = lin(oh, H, oH, scale?.[0]);
          const [w0, w1, b] = lin(ow, W, oW, scale?.[1]);
          v = (1 - a) * ((1 - b) * X(h0, w0) + b * X(h0, w1)) + a * ((1 - b) * X(h1, w0) + b * X(h1, w1));
        }
        y[p * oH * oW + oh * oW + ow] = v;
      }
    }
  }
  return y;
}

describe('golden fixtures (PyTorch 2.13, bilinear x2, alignCorners true)', () => {
  test.each(['4x5', '3x7', '1x3', '1x1'])('upsample_bilinear_%s: y and gx (float64 ≤ 1e-10, float32 ≤ 1e-5)', (name) => {
    const g = loadGolden(`ops/upsample_bilinear_${name}.safetensors`);
    expect(g.attrs.scale_factor).toBe(2);
    expect(g.attrs.align_corners).toBe(true);
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-10 : 1e-5;
      for (const opts of [{ scaleFactor: 2 }, { size: [g.get('y').shape[2], g.get('y').shape[3]] as [number, number] }]) {
        const x = cast(g.get('x'), dtype).requiresGrad_();
        const y = interpolate(x, { ...opts, mode: 'bilinear', alignCorners: true });
        expect(y.shape).toEqual(g.get('y').shape);
        y.backward(cast(g.get('gy'), dtype));
        expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(tol);
        expect(maxRelErr(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(tol);
      }
    }
  });
});

describe('PyTorch coordinate rules', () => {
  const x22 = tensor([1, 2, 3, 4], [1, 1, 2, 2], { dtype: 'float64' });
  test('2x2 → 4x4 bilinear, alignCorners false (half-pixel centres, clamped at 0)', () => {
    const y = interpolate(x22, { size: 4, mode: 'bilinear', alignCorners: false });
    expect(Array.from(y.data)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
    // alignCorners defaults to false
    expect(Array.from(interpolate(x22, { size: 4, mode: 'bilinear' }).data)).toEqual(Array.from(y.data));
  });
  test('2x2 → 3x3 bilinear, alignCorners true (corners kept)', () => {
    const y = interpolate(x22, { size: 3, mode: 'bilinear', alignCorners: true });
    expect(Array.from(y.data)).toEqual([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
  });
  test("2x2 → 3x3 'nearest' is floor(o·in/out), not 'nearest-exact'", () => {
    const y = interpolate(x22, { size: 3, mode: 'nearest' });
    expect(Array.from(y.data)).toEqual([1, 1, 2, 1, 1, 2, 3, 3, 4]);
    expect(Array.from(interpolate(x22, { size: [1, 3] }).data)).toEqual([1, 1, 2]); // default mode 'nearest'
  });
  test('out == 1 with alignCorners reads the first pixel; size-1 inputs broadcast', () => {
    const x = seeded([1, 2, 3, 4], 1);
    const y = interpolate(x, { size: [1, 1], mode: 'bilinear', alignCorners: true });
    expect(Array.from(y.data)).toEqual([x.data[0], x.data[12]]);
    const one = seeded([2, 1, 1, 1], 2);
    for (const alignCorners of [true, false]) {
      const up = interpolate(one, { size: [3, 2], mode: 'bilinear', alignCorners });
      expect(Array.from(up.data)).toEqual([...new Array(6).fill(one.data[0]), ...new Array(6).fill(one.data[1])]);
    }
  });
  test('a given scaleFactor sets the ratio to 1/scale (alignCorners false and nearest), unlike the same size given', () => {
    const x = seeded([1, 1, 5, 5], 3);
    for (const mode of ['bilinear', 'nearest'] as const) {
      const byScale = interpolate(x, { scaleFactor: 1.7, mode });
      expect(byScale.shape).toEqual([1, 1, 8, 8]); // floor(5 · 1.7)
      expect(maxRelErr(byScale.data, refInterpolate(x, 8, 8, mode, false, [1.7, 1.7]))).toBeLessThanOrEqual(1e-15);
      const bySize = interpolate(x, { size: 8, mode });
      expect(maxRelErr(bySize.data, refInterpolate(x, 8, 8, mode, false))).toBeLessThanOrEqual(1e-15);
      expect(maxRelErr(bySize.data, byScale.data)).toBeGreaterThan(1e-3); // ratio 1/1.7 vs 5/8
    }
    // downsampling by 0.5: ratio 2, not 5/2
    const down = interpolate(x, { scaleFactor: [0.5, 0.4], mode: 'bilinear' });
    expect(down.shape).toEqual([1, 1, 2, 2]);
    expect(maxRelErr(down.data, refInterpolate(x, 2, 2, 'bilinear', false, [0.5, 0.4]))).toBeLessThanOrEqual(1e-15);
  });
  test("float32 'nearest' indices follow PyTorch's float arithmetic (floorf of o·fround(in/out))", () => {
    // in 26 → out 22: o = 11 gives exactly 13 in real arithmetic, but fround(26/22)·11 rounds below 13 in float32
    const x = tensor(Float64Array.from({ length: 26 }, (_, i) => i), [1, 1, 1, 26]);
    const y64 = interpolate(cast(x, 'float64'), { size: [1, 22] }).data;
    const y32 = interpolate(cast(x, 'float32'), { size: [1, 22] }).data;
    expect(y64[11]).toBe(13);
    expect(y32[11]).toBe(12);
    for (let o = 0; o < 22; o++) if (o !== 11) expect(y32[o]).toBe(y64[o]);
  });
});

interface Case {
  N: number;
  C: number;
  H: number;
  W: number;
  mode: 'bilinear' | 'nearest';
  align: boolean;
  how: 'size' | 'scale';
  oH: number;
  oW: number;
  sH: number;
  sW: number;
  seed: number;
}
const interpCase: fc.Arbitrary<Case> = fc.record({
  N: fc.integer({ min: 1, max: 3 }),
  C: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 7 }),
  W: fc.integer({ min: 1, max: 7 }),
  mode: fc.constantFrom('bilinear' as const, 'nearest' as const),
  align: fc.boolean(),
  how: fc.constantFrom('size' as const, 'scale' as const),
  oH: fc.integer({ min: 1, max: 11 }),
  oW: fc.integer({ min: 1, max: 11 }),
  sH: fc.constantFrom(0.5, 0.75, 1, 1.3, 1.5, 2, 2.5, 3),
  sW: fc.constantFrom(0.5, 0.75, 1, 1.3, 1.5, 2, 2.5, 3),
  seed: fc.nat(10_000),
});
function options(c: Case): { opts: InterpolateOptions; oH: number; oW: number; scale?: [number, number] } | null {
  const base: InterpolateOptions = { mode: c.mode, ...(c.mode === 'bilinear' ? { alignCorners: c.align } : {}) };
  if (c.how === 'size') return { opts: { ...base, size: [c.oH, c.oW] }, oH: c.oH, oW: c.oW };
  const oH = Math.floor(c.H * c.sH);
  const oW = Math.floor(c.W * c.sW);
  if (oH < 1 || oW < 1) return null;
  return { opts: { ...base, scaleFactor: [c.sH, c.sW] }, oH, oW, scale: [c.sH, c.sW] };
}

describe('properties over random shapes, sizes, scale factors and both alignCorners', () => {
  test('forward equals the naive reference (float64; float32 within 1e-6)', () => {
    fc.assert(
      fc.property(interpCase, (c) => {
        const o = options(c);
        if (!o) return;
        const x = seeded([c.N, c.C, c.H, c.W], c.seed);
        const y = interpolate(x, o.opts);
        expect(y.shape).toEqual([c.N, c.C, o.oH, o.oW]);
        const ref = refInterpolate(x, o.oH, o.oW, c.mode, c.mode === 'bilinear' && c.align, o.scale);
        expect(maxRelErr(y.data, ref)).toBeLessThanOrEqual(1e-14);
        const y32 = interpolate(cast(x, 'float32'), o.opts);
        expect(y32.dtype).toBe('float32');
        expect(maxRelErr(y32.data, ref)).toBeLessThanOrEqual(1e-6);
      }),
      { numRuns: 150, seed: 17 },
    );
  });

  test('backward is the exact adjoint: <A x, gy> = <x, Aᵀ gy>', () => {
    fc.assert(
      fc.property(interpCase, (c) => {
        const o = options(c);
        if (!o) return;
        const x = seeded([c.N, c.C, c.H, c.W], c.seed).requiresGrad_();
        const gy = seeded([c.N, c.C, o.oH, o.oW], c.seed + 1);
        const y = interpolate(x, o.opts);
        y.backward(gy);
        const lhs = dot(y.data, gy.data);
        const rhs = dot(x.data, x.grad!.data);
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lhs)));
      }),
      { numRuns: 150, seed: 18 },
    );
  });

  test('float64 gradcheck', () => {
    fc.assert(
      fc.property(interpCase, (c) => {
        const o = options(c);
        if (!o) return;
        gradcheck((u) => interpolate(u, o.opts), [seeded([c.N, c.C, c.H, c.W], c.seed)]);
      }),
      { numRuns: 40, seed: 19 },
    );
  });
});

describe('errors', () => {
  const x = zeros([1, 2, 3, 4]);
  test('rank and dtype', () => {
    expect(() => interpolate(zeros([2, 3, 4]), { size: 2 })).toThrow('interpolate: expected a 4-D input [N, C, H, W], got rank 3; input [2, 3, 4]');
    expect(() => interpolate(zeros([1, 1, 2, 2], { dtype: 'int32' }), { size: 2 })).toThrow('interpolate: expects a float input, got int32; input [1, 1, 2, 2]');
  });
  test('size / scaleFactor: exactly one, positive', () => {
    expect(() => interpolate(x, { mode: 'bilinear' })).toThrow('interpolate: exactly one of size and scaleFactor must be given');
    expect(() => interpolate(x, { size: 2, scaleFactor: 2 })).toThrow('interpolate: exactly one of size and scaleFactor must be given');
    expect(() => interpolate(x, { size: [0, 4] })).toThrow('interpolate: output size must be positive integers, got [0, 4]; input [1, 2, 3, 4]');
    expect(() => interpolate(x, { size: 2.5 })).toThrow('interpolate: output size must be positive integers, got [2.5, 2.5]; input [1, 2, 3, 4]');
    expect(() => interpolate(x, { scaleFactor: -2 })).toThrow('interpolate: scaleFactor must be positive and finite, got [-2, -2]');
    expect(() => interpolate(x, { scaleFactor: 0.2 })).toThrow('interpolate: scaleFactor [0.2, 0.2] gives an empty output [0, 0]; input [1, 2, 3, 4]');
    expect(() => interpolate(x, { size: [1, 2, 3] as unknown as [number, number] })).toThrow('interpolate: size must be a number or an [h, w] pair, got [1,2,3]');
    expect(() => interpolate(zeros([1, 2, 0, 4]), { size: 2 })).toThrow('interpolate: input H and W must be positive; input [1, 2, 0, 4]');
  });
  test('mode and alignCorners', () => {
    expect(() => interpolate(x, { size: 2, mode: 'bicubic' as 'nearest' })).toThrow("interpolate: mode must be 'bilinear' or 'nearest', got 'bicubic'");
    expect(() => interpolate(x, { size: 2, mode: 'nearest', alignCorners: false })).toThrow(
      "interpolate: alignCorners can only be set with mode 'bilinear', not 'nearest'",
    );
  });
});
