/**
 * How close two results are, the one set of measures every test uses: the largest absolute difference, the
 * normwise relative error, and element-wise checks (an assertion naming the first element out of tolerance, and
 * a predicate for one pair of numbers).
 */
import { expect } from 'vitest';

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
}

/** max |a − b| (arrays of one length). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a − b| / max(max |b|, tiny): the error relative to the size of the reference b (normwise). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-300);
}

/** |a - e| <= tol·(1 + |e|) element-wise; NaN must match NaN. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`element ${i}: expected NaN, got ${a}`);
      continue;
    }
    if (a === e) continue;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) expect.fail(`element ${i}: got ${a}, expected ${e} (tol ${tol})`);
  }
}

/** |a − b| ≤ tol·max(|a|, |b|, 1e-300). */
export function relClose(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300);
}
