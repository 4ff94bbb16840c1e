import { expect } from 'vitest';

/** Equal sample arrays, compared in a loop (vitest's deep equality is slow on large typed arrays); names the first difference. */
export function expectSameSamples(got: ArrayLike<number>, want: ArrayLike<number>, what = 'sample'): void {
  expect(got.length, `${what} count`).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) expect(got[i], `${what} ${i}`).toBe(want[i]);
}

