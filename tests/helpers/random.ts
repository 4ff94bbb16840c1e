/**
 * Seeded random test data. `fillRandom` is the one random-array maker of the tests; the tensor makers below use
 * the same Generator (src/tensor/rng.ts), so a seed gives the same numbers on every machine.
 */
import { Generator, randn, Tensor, type DType } from '../../src/index.js';

export type Shape = number[];
export type Distribution = 'normal' | 'uniform';

/** x filled with seeded draws: standard normal (default) or uniform in [-1, 1). Returns x. */
export function fillRandom<T extends Float32Array | Float64Array>(x: T, seed: number, dist: Distribution = 'normal'): T {
  const g = new Generator(seed);
  if (dist === 'normal') for (let i = 0; i < x.length; i++) x[i] = g.normal();
  else for (let i = 0; i < x.length; i++) x[i] = 2 * g.uniform() - 1;
  return x;
}

/** A new array of n seeded draws (see fillRandom). */
export function randomArray(Arr: typeof Float32Array | typeof Float64Array, n: number, seed: number, dist?: Distribution): Float32Array | Float64Array;
export function randomArray<T extends Float32Array | Float64Array>(Arr: { new (n: number): T }, n: number, seed: number, dist?: Distribution): T;
export function randomArray(Arr: { new (n: number): Float32Array | Float64Array }, n: number, seed: number, dist: Distribution = 'normal'): Float32Array | Float64Array {
  return fillRandom(new Arr(n), seed, dist);
}

/** A standard-normal tensor from its own seeded generator. */
export function rnd(shape: Shape, dtype: DType = 'float64', seed = 0): Tensor {
  return randn(shape, { dtype, generator: new Generator(seed) });
}

/** rnd with the seed before the dtype: a standard-normal tensor from its own seeded generator. */
export const seeded = (shape: Shape, seed: number, dtype: DType = 'float64'): Tensor => rnd(shape, dtype, seed);

/** A tensor of values in [lo, hi) as plain numbers from a seed (for ties, use integers: round). */
export function uniformTensor(shape: Shape, dtype: DType, seed: number, lo = -1, hi = 1, round = false): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const arr = dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * g.uniform();
    arr[i] = round ? Math.floor(v) : v;
  }
  return new Tensor(arr, shape);
}
