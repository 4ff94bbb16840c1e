/** Kernel properties beyond the op tests: (lo, hi) work ranges compose, and gather/scatter are adjoint. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gatherStrided, scatterStrided, rowsOf } from '../../src/kernels/strided.js';
import { whereKernel } from '../../src/kernels/where.js';
import { softmaxForward, softmaxBackward, type LaneGeom } from '../../src/kernels/softmax.js';
import { broadcastStrides } from '../../src/kernels/elementwise.js';
import { stridesOf } from '../../src/index.js';
import { dot, seedArb, shapeArb, size } from '../ops/core-util.js';
import { rnd } from '../helpers/random.js';

/** A random sub-view of a contiguous shape: per-dim start and step, as slice() builds it. */
const viewArb = fc
  .tuple(shapeArb(4, 5, 1), fc.array(fc.tuple(fc.nat(4), fc.integer({ min: 1, max: 2 })), { minLength: 4, maxLength: 4 }))
  .map(([base, picks]) => {
    const st = stridesOf(base);
    let offset = 0;
    const shape: number[] = [];
    const strides: number[] = [];
    base.forEach((n, d) => {
      const start = picks[d][0] % n;
      const step = picks[d][1];
      offset += start * st[d];
      shape.push(Math.ceil((n - start) / step));
      strides.push(st[d] * step);
    });
    return { base, offset, shape, strides };
  });

describe('strided kernels', () => {
  test('gather and scatter through the same view are adjoint: <gather(x), y> = <x, scatter(y)>', () => {
    fc.assert(
      fc.property(viewArb, seedArb, ({ base, offset, shape, strides }, seed) => {
        const x = rnd(base, 'float64', seed).data;
        const y = rnd(shape, 'float64', seed + 1).data;
        const gx = new Float64Array(size(shape));
        gatherStrided(gx, x, offset, strides, shape);
        const sy = new Float64Array(size(base));
        scatterStrided(sy, y, offset, strides, shape);
        expect(Math.abs(dot(gx, y) - dot(x, sy))).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(dot(gx, y))));
      }),
      { numRuns: 60, seed: 81 },
    );
  });

  test('row ranges (lo, hi) compose to the whole copy', () => {
    fc.assert(
      fc.property(viewArb, seedArb, fc.nat(), ({ base, offset, shape, strides }, seed, cut) => {
        const x = rnd(base, 'float64', seed).data;
        const whole = new Float64Array(size(shape));
        gatherStrided(whole, x, offset, strides, shape);
        const parts = new Float64Array(whole.length);
        const mid = cut % (rowsOf(shape) + 1);
        gatherStrided(parts, x, offset, strides, shape, 0, mid);
        gatherStrided(parts, x, offset, strides, shape, mid, rowsOf(shape));
        expect(Array.from(parts)).toEqual(Array.from(whole));
      }),
      { numRuns: 40, seed: 82 },
    );
  });
});

test('whereKernel row ranges compose', () => {
  fc.assert(
    fc.property(shapeArb(4, 4), seedArb, fc.nat(), (shape, seed, cut) => {
      const c = rnd(shape, 'float64', seed).data.map((v) => (v > 0 ? 1 : 0));
      const a = rnd(shape, 'float64', seed + 1).data;
      const b = rnd([1], 'float64', seed + 2).data;
      const sc = broadcastStrides(shape, shape);
      const sb = broadcastStrides([1], shape);
      const whole = new Float64Array(size(shape));
      whereKernel(whole, c, sc, a, sc, b, sb, shape);
      const parts = new Float64Array(whole.length);
      const mid = cut % (rowsOf(shape) + 1);
      whereKernel(parts, c, sc, a, sc, b, sb, shape, 0, mid);
      whereKernel(parts, c, sc, a, sc, b, sb, shape, mid, rowsOf(shape));
      expect(Array.from(parts)).toEqual(Array.from(whole));
    }),
    { numRuns: 30, seed: 83 },
  );
});

test('softmax kernels: lane ranges compose, and each lane of softmax sums to 1', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), seedArb, fc.nat(), fc.boolean(), (outer, D, inner, seed, cut, log) => {
      const g: LaneGeom = { outer, D, inner };
      const n = outer * D * inner;
      const x = rnd([n], 'float64', seed).data;
      const gy = rnd([n], 'float64', seed + 1).data;
      const lanes = outer * inner;
      const mid = cut % (lanes + 1);
      const y = new Float64Array(n);
      const y2 = new Float64Array(n);
      softmaxForward(y, x, g, log);
      softmaxForward(y2, x, g, log, 0, mid);
      softmaxForward(y2, x, g, log, mid, lanes);
      expect(Array.from(y2)).toEqual(Array.from(y));
      const gx = new Float64Array(n);
      const gx2 = new Float64Array(n);
      softmaxBackward(gx, gy, y, g, log);
      softmaxBackward(gx2, gy, y, g, log, 0, mid);
      softmaxBackward(gx2, gy, y, g, log, mid, lanes);
      expect(Array.from(gx2)).toEqual(Array.from(gx));
      if (!log) {
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            let s = 0;
            for (let d = 0; d < D; d++) s += y[(o * D + d) * inner + i];
            expect(Math.abs(s - 1)).toBeLessThan(1e-14);
          }
        }
      }
    }),
    { numRuns: 40, seed: 84 },
  );
});
