/**
 * The generated GELU module, called directly: every element bit-equal to the formula of wasm/gelu-module.ts
 * replayed in float32 JS (Math.fround after each operation), whichever loop (unrolled vectors, single vectors,
 * scalar tail) it falls in. So the code-generation choices (hoisted constants, pmin/pmax clamps, 2ⁿ by an add,
 * unrolling) cannot change a bit without this failing.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { geluModuleBytes } from '../../src/backend/wasm/modules/gelu-module.js';
import { wasmFeatures } from '../../src/backend/index.js';
import { wasmApi } from '../../src/backend/wasm/api.js';

const fr = Math.fround;
const P = [-1.60960333262415e-2, -2.95459980854025e-3, -7.34990630326855e-4, -5.69250639462346e-5,
  -2.10102402082508e-6, 2.77068142495902e-8, -2.72614225801306e-10];
const Q = [-1.42647390514189e-2, -7.37332916720468e-3, -1.68282697438203e-3, -2.13374055278905e-4, -1.45660718464996e-5];
const EXP_TAYLOR = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];

function horner(coef: number[], t: number): number {
  let e = fr(fr(t * fr(coef[coef.length - 1])) + fr(coef[coef.length - 2]));
  for (let i = coef.length - 3; i >= 0; i--) e = fr(fr(e * t) + fr(coef[i]));
  return e;
}

/** Round half to even (f32.nearest). */
function nearest(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function onePlusErf(x: number): number {
  const z = Math.min(4, Math.max(-4, fr(x * fr(Math.SQRT1_2)))), z2 = fr(z * z);
  return fr(1 + fr(fr(z * horner(P, z2)) / horner(Q, z2)));
}

function geluRef(x: number): number {
  return fr(fr(fr(0.5) * x) * onePlusErf(x));
}

function geluBackwardRef(gy: number, x: number): number {
  const cdf = fr(fr(0.5) * onePlusErf(x));
  const v = Math.max(-87, fr(fr(-0.5) * fr(x * x)));
  const n = nearest(fr(v * fr(Math.LOG2E)));
  const r = fr(fr(v - fr(n * fr(0.693359375))) - fr(n * fr(-2.12194440e-4)));
  const e = fr(horner(EXP_TAYLOR, r) * 2 ** n);
  return fr(gy * fr(cdf + fr(x * fr(e * fr(1 / Math.sqrt(2 * Math.PI))))));
}

interface Gelu {
  gelu(src: number, dst: number, n: number): void;
  geluBackward(gy: number, x: number, gx: number, n: number): void;
}

function instance(): { f32: () => Float32Array; k: Gelu } {
  const api = wasmApi!;
  const memory = new api.Memory({ initial: 4, maximum: 65536, shared: true });
  const k = new api.Instance(new api.Module(geluModuleBytes()), { env: { memory } }).exports as unknown as Gelu;
  return { f32: () => new Float32Array(memory.buffer), k };
}

const bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0];

describe.runIf(wasmFeatures().simd)('generated GELU module', () => {
  const { f32, k } = instance();
  const X = 16, GY = 4096, OUT = 8192; // element offsets of the three arrays

  test('forward and backward: every element bit-equal to the float32 formula, any length and start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -14, max: 14, noNaN: true }), { minLength: 0, maxLength: 70 }),
        fc.integer({ min: 0, max: 7 }),
        (xs, start) => {
          const m = f32(), n = xs.length;
          m.set(xs, X + start);
          for (let i = 0; i < n; i++) m[GY + start + i] = Math.cos(3 * i + 1);
          k.gelu(4 * (X + start), 4 * (OUT + start), n);
          for (let i = 0; i < n; i++) expect(bits(m[OUT + start + i])).toBe(bits(geluRef(m[X + start + i])));
          k.geluBackward(4 * (GY + start), 4 * (X + start), 4 * (OUT + start), n);
          for (let i = 0; i < n; i++) {
            expect(bits(m[OUT + start + i])).toBe(bits(geluBackwardRef(m[GY + start + i], m[X + start + i])));
          }
        },
      ),
      { numRuns: 300, seed: 0x5eed + 60 },
    );
  });

  test('in place (dst = src) gives the same bits', () => {
    const m = f32(), n = 37;
    for (let i = 0; i < n; i++) m[X + i] = 5 * Math.sin(i);
    const want = Array.from({ length: n }, (_, i) => bits(geluRef(m[X + i])));
    k.gelu(4 * X, 4 * X, n);
    expect(Array.from({ length: n }, (_, i) => bits(m[X + i]))).toEqual(want);
  });

  test('specials in every lane position: NaN → NaN, ±Infinity (gradient ±∞), ±0, huge, subnormal', () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, 3e-39];
    const m = f32(), n = 8 * specials.length + 3;
    for (let i = 0; i < n; i++) m[X + i] = specials[(i * 3) % specials.length];
    for (let i = 0; i < n; i++) m[GY + i] = 0.75;
    k.gelu(4 * X, 4 * OUT, n);
    for (let i = 0; i < n; i++) {
      const x = m[X + i], y = m[OUT + i];
      if (Number.isNaN(x)) expect(y).toBeNaN();
      else expect(bits(y)).toBe(bits(geluRef(x)));
    }
    k.geluBackward(4 * GY, 4 * X, 4 * OUT, n);
    for (let i = 0; i < n; i++) {
      const x = m[X + i], g = m[OUT + i];
      if (Number.isNaN(x)) expect(g).toBeNaN();
      else expect(bits(g)).toBe(bits(geluBackwardRef(0.75, x))); // ±∞: x·φ(x) = ±∞·e^−87/√(2π), so gx = ±∞
    }
    for (let i = 0; i < n; i++) {
      if (Math.abs(m[X + i]) === Infinity) expect(m[OUT + i]).toBe(m[X + i]);
    }
  });
});
