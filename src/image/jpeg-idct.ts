/**
 * The 8x8 inverse DCT of T.81 A.3.3,
 *   s[y, x] = 1/4 Σ_u Σ_v c(u) c(v) S[v, u] cos((2x + 1)uπ/16) cos((2y + 1)vπ/16),  c(0) = 1/√2, else 1,
 * computed as columns then rows with the Arai–Agui–Nakajima factorisation (5 multiplications per 8 points; the
 * same flow graph as libjpeg's jidctflt.c). AAN leaves each output scaled by a(u)·a(v), a(0) = 1,
 * a(k) = √2·cos(kπ/16); that scale and the 1/8 are folded into the dequantisation table once per table.
 */

const AAN = Float64Array.from({ length: 8 }, (_, k) => (k === 0 ? 1 : Math.SQRT2 * Math.cos((k * Math.PI) / 16)));

/** q (natural order) → q[v·8 + u] · a(u) · a(v) / 8, the multipliers idct8x8 expects. */
export function aanQuant(q: ArrayLike<number>): Float64Array {
  const out = new Float64Array(64);
  for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) out[v * 8 + u] = (q[v * 8 + u] * AAN[u] * AAN[v]) / 8;
  return out;
}

/**
 * Dequantise the 64 coefficients at coef[off…] with `qs` (from aanQuant), inverse-transform them, add 128 and write
 * the clamped, rounded samples to out[o + y·stride + x]. `ws` is a 64-entry work area.
 */
export function idct8x8(coef: Int16Array, off: number, qs: Float64Array, out: Uint8Array, o: number, stride: number, ws: Float64Array): void {
  // columns
  for (let c = 0; c < 8; c++) {
    const i = off + c;
    if (coef[i + 8] === 0 && coef[i + 16] === 0 && coef[i + 24] === 0 && coef[i + 32] === 0 && coef[i + 40] === 0 && coef[i + 48] === 0 && coef[i + 56] === 0) {
      const dc = coef[i] * qs[c];
      for (let r = 0; r < 8; r++) ws[r * 8 + c] = dc;
      continue;
    }
    butterfly(
      coef[i] * qs[c], coef[i + 8] * qs[8 + c], coef[i + 16] * qs[16 + c], coef[i + 24] * qs[24 + c],
      coef[i + 32] * qs[32 + c], coef[i + 40] * qs[40 + c], coef[i + 48] * qs[48 + c], coef[i + 56] * qs[56 + c], ws, c, 8,
    );
  }
  // rows, then level shift
  for (let r = 0; r < 8; r++) {
    const w = r * 8;
    butterfly(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7], ws, w, 1);
    const d = o + r * stride;
    for (let x = 0; x < 8; x++) {
      const s = ws[w + x] + 128;
      out[d + x] = s <= 0 ? 0 : s >= 255 ? 255 : (s + 0.5) | 0;
    }
  }
}

/** One 8-point AAN inverse transform of d0..d7, written to ws[at + k·step]. */
function butterfly(d0: number, d1: number, d2: number, d3: number, d4: number, d5: number, d6: number, d7: number, ws: Float64Array, at: number, step: number): void {
  // even part
  const t10 = d0 + d4, t11 = d0 - d4;
  const t13 = d2 + d6, t12 = (d2 - d6) * Math.SQRT2 - t13;
  const e0 = t10 + t13, e3 = t10 - t13, e1 = t11 + t12, e2 = t11 - t12;
  // odd part
  const z13 = d5 + d3, z10 = d5 - d3, z11 = d1 + d7, z12 = d1 - d7;
  const o7 = z11 + z13;
  const o11 = (z11 - z13) * Math.SQRT2;
  const z5 = (z10 + z12) * 1.8477590650225735; // 2 cos(π/8)
  const o10 = z5 - z12 * 1.0823922002923938; // 2 (cos(π/8) − cos(3π/8))
  const o12 = z5 - z10 * 2.613125929752753; // 2 (cos(π/8) + cos(3π/8))
  const o6 = o12 - o7, o5 = o11 - o6, o4 = o10 - o5;
  ws[at] = e0 + o7;
  ws[at + 7 * step] = e0 - o7;
  ws[at + step] = e1 + o6;
  ws[at + 6 * step] = e1 - o6;
  ws[at + 2 * step] = e2 + o5;
  ws[at + 5 * step] = e2 - o5;
  ws[at + 3 * step] = e3 + o4;
  ws[at + 4 * step] = e3 - o4;
}

/** The definition of A.3.3 evaluated directly (64 terms per sample), for tests. */
export function idctReference(coef: ArrayLike<number>, q: ArrayLike<number>): Float64Array {
  const out = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          const cu = u === 0 ? Math.SQRT1_2 : 1, cv = v === 0 ? Math.SQRT1_2 : 1;
          s += cu * cv * coef[v * 8 + u] * q[v * 8 + u] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
      }
      out[y * 8 + x] = s / 4 + 128;
    }
  }
  return out;
}
