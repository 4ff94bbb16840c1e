/**
 * checkFloat32 over the op registry: every op's float32 forward and backward, on every backend and 1 or 2
 * threads, stays within k float32 roundings of float64 (scaled by the terms of each sum); and the check can fail.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { checkFloat32, Float32CheckError, customOp, mul, Tensor, randn, Generator } from '../../src/index.js';
import { opdb, type OpCase } from '../opdb.js';

const entries = Object.entries(opdb) as [string, OpCase][];
const worst: [string, number][] = [];

describe('checkFloat32 passes every op in the registry on every backend and thread count', () => {
  test.each(entries)('%s', (name, c) => {
    for (const s of fc.sample(c.sample, { numRuns: 4, seed: 0xf32 })) {
      const report = checkFloat32(s.call, s.inputs, { wrt: s.wrt, name: `${name} (${s.note})` });
      expect(report.runs.length).toBeGreaterThanOrEqual(2);
      worst.push([name, report.worst.ratio]);
    }
  });

  test('the worst ratios are recorded (roundings of float32 error per op)', () => {
    const byOp = new Map<string, number>();
    for (const [n, r] of worst) byOp.set(n, Math.max(byOp.get(n) ?? 0, r));
    expect(byOp.size).toBe(entries.length);
    console.log([...byOp].sort((a, b) => b[1] - a[1]).map(([n, r]) => `${n} ${r.toFixed(2)}`).join(', '));
  });
});

describe('checkFloat32 fails a float32 kernel that is off', () => {
  /** 2x, with an error of `rel` (relative) in the float32 forward or backward only. */
  const sloppy = (where: 'forward' | 'backward', rel: number) =>
    customOp(`sloppy_${where}`, {
      forward: (_ctx, x: Tensor) => mul(x, where === 'forward' && x.dtype === 'float32' ? 2 * (1 + rel) : 2),
      backward: (_ctx, gy) => [mul(gy, where === 'backward' && gy.dtype === 'float32' ? 2 * (1 + rel) : 2)],
    });
  const x = randn([3, 4], { dtype: 'float64', generator: new Generator(1) });

  test('an exact op passes with ratio below 1', () => {
    expect(checkFloat32((t) => sloppy('forward', 0)(t), [x]).worst.ratio).toBeLessThan(1);
  });

  for (const where of ['forward', 'backward'] as const) {
    test(`an error of 1e-5 relative in the float32 ${where} is reported with its element, backend and threads`, () => {
      let err: Float32CheckError | null = null;
      try {
        checkFloat32((t) => sloppy(where, 1e-5)(t), [x], { names: ['x'] });
      } catch (e) {
        err = e as Float32CheckError;
      }
      expect(err).toBeInstanceOf(Float32CheckError);
      expect(err!.report.worst.what).toBe(where === 'forward' ? 'output' : 'gradient of input 0 (x)');
      expect(err!.message).toMatch(new RegExp(`^checkFloat32 sloppy_${where}: ${where === 'forward' ? 'output' : 'gradient of input 0 \\(x\\)'} at \\[\\d, \\d\\] on (js|wasm) with \\d threads?: float32 .*, float64 .*, error .* roundings \\(bound 32; one rounding here is .*\\)$`));
    });
  }
});
