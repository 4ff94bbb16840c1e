/** Types and bounds shared by the conv2d kernels (see conv2d.ts for the formulas). */
import type { TypedArray } from '../tensor/dtype.js';

/** Read-only buffers may be any numeric typed array (an int gradient never reaches here, but reading is harmless). */
export type Buf = TypedArray;

/** Geometry of one conv2d call: x [N, Cin, H, W], w [Cout, Cin/groups, kH, kW], y [N, Cout, oH, oW]. */
export interface ConvGeom {
  readonly N: number;
  readonly Cin: number;
  readonly H: number;
  readonly W: number;
  readonly Cout: number;
  readonly kH: number;
  readonly kW: number;
  readonly oH: number;
  readonly oW: number;
  readonly sH: number;
  readonly sW: number;
  /** Top / left zero padding (bottom / right padding is implied by oH, oW). */
  readonly pH: number;
  readonly pW: number;
  readonly dH: number;
  readonly dW: number;
  readonly groups: number;
}

/**
 * For each kernel tap k, the output indices o in [lo[k], hi[k]) whose input index i = o·s − p + k·d lies in [0, L).
 * Called once per kernel call (not in the loops); the result is two small Int32Arrays.
 */
export function tapRanges(L: number, o: number, s: number, p: number, d: number, k: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(k);
  const hi = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    const off = t * d - p; // i = o·s + off
    const a = Math.max(0, Math.ceil(-off / s));
    const b = Math.min(o, Math.floor((L - 1 - off) / s) + 1);
    lo[t] = a;
    hi[t] = Math.max(a, b);
  }
  return { lo, hi };
}
