/**
 * The conv property kit (amsunet-ts/testing): it passes on the project's conv2d, fails with a shrunk counterexample
 * on a conv whose weight gradient ignores dilation, and stays a separate entry (fast-check is an optional peer).
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conv2d, backward, pad, Tensor, type Conv2dOptions } from '../../src/index.js';
import { conv2dGeometry } from '../../src/ops/conv-geometry.js';
import { conv2dBackwardWeight } from '../../src/backend/dispatch/conv2d.js';
import { convProperty, verifyConv2d, type Conv2dGradients, type ConvUnderTest } from '../../src/testing/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** conv2d's own gradients, except gw, which is computed as if the dilation were 1 (a realistic kernel bug). */
const dilationIgnoredInGw: Conv2dGradients = (x, w, b, o, gy) => {
  const [xl, wl] = [x, w].map((t) => new Tensor(t.data.slice(), t.shape).requiresGrad_(true));
  const bl = b ? new Tensor(b.data.slice(), b.shape).requiresGrad_(true) : null;
  backward(conv2d(xl, wl, bl, o), gy);
  const plan = conv2dGeometry(x.shape, w.shape, b ? b.shape : null, o);
  const input = plan.prePad ? pad(x, plan.prePad, { mode: plan.mode as 'reflect' }) : x;
  const gw = new Float64Array(w.size);
  conv2dBackwardWeight(gw, gy.data, input.data, { ...plan.geom, dH: 1, dW: 1 });
  return { gx: xl.grad!, gw: new Tensor(gw, w.shape), gb: bl ? bl.grad : null };
};
const broken: ConvUnderTest = { forward: conv2d, gradients: dilationIgnoredInGw };

describe('amsunet-ts/testing: conv properties', () => {
  test('the project conv2d has every property (adjointness, dilation, groups, strip, gradcheck)', () => {
    expect(() => verifyConv2d(conv2d, { numRuns: 25 })).not.toThrow();
  });

  test('explicit gradients (the { forward, gradients } form) of the correct conv pass too', () => {
    const gradients: Conv2dGradients = (x, w, b, o, gy) => {
      const [xl, wl] = [x, w].map((t) => new Tensor(t.data.slice(), t.shape).requiresGrad_(true));
      const bl = b ? new Tensor(b.data.slice(), b.shape).requiresGrad_(true) : null;
      backward(conv2d(xl, wl, bl, o), gy);
      return { gx: xl.grad!, gw: wl.grad!, gb: bl ? bl.grad : null };
    };
    expect(() => verifyConv2d({ forward: conv2d, gradients }, { numRuns: 15 })).not.toThrow();
  });

  test('a conv whose weight gradient ignores dilation fails, with a shrunk counterexample that has a dilation', () => {
    for (const name of ['adjointness', 'dilation', 'gradcheck'] as const) {
      const r = fc.check(convProperty(name, broken), { numRuns: 100, seed: 7 });
      expect(r.failed, name).toBe(true);
      expect(r.numShrinks, name).toBeGreaterThan(0);
      const [c] = r.counterexample!;
      const d = c.options.dilation as [number, number];
      expect(Math.max(d[0], d[1]), name).toBeGreaterThan(1);
      expect(String(r.errorInstance), name).toMatch(/gw|weight/);
    }
    expect(() => verifyConv2d(broken, { numRuns: 50 })).toThrow(/property 'adjointness' failed after \d+ case\(s\), shrunk [1-9]\d* time\(s\)\n  counterexample: .*"dilation"/);
  });

  test('a forward-only implementation gets the forward properties; gradient ones refuse clearly', () => {
    const forwardOnly: ConvUnderTest = { forward: (x, w, b, o: Conv2dOptions) => conv2d(x, w, b, o), gradients: null };
    expect(() => verifyConv2d(forwardOnly, { numRuns: 10 })).not.toThrow();
    expect(() => verifyConv2d(forwardOnly, { numRuns: 1, properties: ['adjointness'] })).toThrow(/needs gradients/);
  });

  test('a forward that is wrong for one padding mode is caught by the dilation property', () => {
    // replicate treated as zeros only when the kernel is dilated: a geometry-specific forward bug
    const wrong = (x: Tensor, w: Tensor, b: Tensor | null, o: Conv2dOptions): Tensor => {
      const d = o.dilation as [number, number];
      return conv2d(x, w, b, d[0] > 1 || d[1] > 1 ? { ...o, paddingMode: o.paddingMode === 'replicate' ? 'zeros' : o.paddingMode } : o);
    };
    const r = fc.check(convProperty('dilation', { forward: wrong, gradients: null }), { numRuns: 200, seed: 3 });
    expect(r.failed).toBe(true);
    expect(r.counterexample![0].options.paddingMode).toBe('replicate');
  });
});

describe('amsunet-ts/testing: packaging', () => {
  test('package.json exports ./testing, and fast-check is an optional peer dependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['./testing']).toEqual({ types: './dist/src/testing/index.d.ts', default: './dist/src/testing/index.js' });
    expect(pkg.peerDependencies['fast-check']).toBeDefined();
    expect(pkg.peerDependenciesMeta['fast-check']).toEqual({ optional: true });
    expect(pkg.dependencies?.['fast-check']).toBeUndefined();
  });

  test('nothing under src/ outside src/testing/ imports fast-check', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
    const files = walk(join(ROOT, 'src'));
    const importers = files.filter((f) => /from\s+['"]fast-check['"]|import\(\s*['"]fast-check['"]/.test(readFileSync(f, 'utf8')));
    expect(files.length).toBeGreaterThan(50);
    expect(importers.map((f) => f.slice(ROOT.length + 1)).sort()).toEqual(['src/testing/conv-arbitraries.ts', 'src/testing/conv-properties.ts']);
  });
});
