/** Random loss inputs: logits [N, C, S] (float64, scaled by `scale`) and int32 targets, every `ignoreEvery`-th one `ignore`. */
import fc from 'fast-check';
import type { LossGeom } from '../../src/kernels/losses.js';
import { randomArray } from './random.js';

export interface LossCase {
  g: LossGeom;
  z: Float64Array;
  target: Int32Array;
  seed: number;
}

export function lossCaseArb(o: { maxS: number; maxIgnoreEvery: number; ignore: number; scale?: number }): fc.Arbitrary<LossCase> {
  return fc
    .record({
      N: fc.integer({ min: 1, max: 3 }),
      C: fc.integer({ min: 1, max: 4 }),
      S: fc.integer({ min: 1, max: o.maxS }),
      seed: fc.nat(1 << 20),
      ignoreEvery: fc.integer({ min: 2, max: o.maxIgnoreEvery }),
    })
    .map(({ N, C, S, seed, ignoreEvery }) => {
      const z = randomArray(Float64Array, N * C * S, seed).map((v) => (o.scale ?? 1) * v) as Float64Array;
      const target = new Int32Array(N * S);
      for (let i = 0; i < target.length; i++) target[i] = i % ignoreEvery === 1 ? o.ignore : (i * 7 + seed) % C;
      return { g: { N, C, S }, z, target, seed };
    });
}
