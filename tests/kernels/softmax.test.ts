/**
 * The softmax kernels (src/kernels/softmax.ts) walk runs of adjacent lanes row by row and keep exp(x − m) for the
 * output pass; they must give, bit for bit, the definition one lane at a time (below), including lanes with NaN or
 * −∞, runs cut by the end of an outer row, by the block size and by the exp buffer's cap (large D).
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { softmaxBackward, softmaxForward, type LaneGeom } from '../../src/kernels/softmax.js';
import { randomArray } from '../helpers/random.js';

/** The definition, one lane at a time (the kernels' previous body). */
function laneByLane(y: Float64Array | Float32Array, x: ArrayLike<number>, g: LaneGeom, log: boolean): void {
  const { D, inner } = g;
  for (let t = 0; t < g.outer * inner; t++) {
    const at = Math.floor(t / inner) * D * inner + (t % inner);
    let m = -Infinity;
    for (let d = 0, k = at; d < D; d++, k += inner) if (x[k] > m || x[k] !== x[k]) m = x[k];
    let s = 0;
    for (let d = 0, k = at; d < D; d++, k += inner) s += Math.exp(x[k] - m);
    const logS = Math.log(s);
    for (let d = 0, k = at; d < D; d++, k += inner) y[k] = log ? x[k] - m - logS : Math.exp(x[k] - m) / s;
  }
}

function backwardLaneByLane(gx: Float64Array | Float32Array, gy: ArrayLike<number>, y: ArrayLike<number>, g: LaneGeom, log: boolean): void {
  const { D, inner } = g;
  for (let t = 0; t < g.outer * inner; t++) {
    const at = Math.floor(t / inner) * D * inner + (t % inner);
    let s = 0;
    for (let d = 0, k = at; d < D; d++, k += inner) s += log ? gy[k] : gy[k] * y[k];
    for (let d = 0, k = at; d < D; d++, k += inner) gx[k] = log ? gy[k] - Math.exp(y[k]) * s : y[k] * (gy[k] - s);
  }
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => Array.from(a).every((v, i) => Object.is(v, b[i]));

test('blocked softmax / log-softmax and their backward give the lane-by-lane bits (f32, f64; NaN and −∞ lanes; long runs; large D)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }), fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 120, max: 400 })),
      fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 250, max: 700 })), fc.nat(), fc.boolean(), fc.boolean(),
      (outer, D, inner, seed, log, f32) => {
        const g: LaneGeom = { outer, D, inner };
        const n = outer * D * inner, A = f32 ? Float32Array : Float64Array;
        const x = new A(n);
        x.set(randomArray(Float64Array, n, seed).map((v) => 8 * v));
        if (n > 3) (x[seed % n] = NaN), (x[(seed * 7) % n] = -Infinity);
        const gy = A.from(randomArray(Float64Array, n, seed + 1));
        const [want, got] = [new A(n), new A(n)];
        laneByLane(want, x, g, log);
        softmaxForward(got, x, g, log);
        expect(same(got, want)).toBe(true);
        const [gWant, gGot] = [new A(n), new A(n)];
        backwardLaneByLane(gWant, gy, want, g, log);
        softmaxBackward(gGot, gy, want, g, log);
        expect(same(gGot, gWant)).toBe(true);
      },
    ),
    { numRuns: 60, seed: 0x50f },
  );
});
