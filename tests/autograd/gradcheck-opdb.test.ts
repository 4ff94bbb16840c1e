/**
 * The op registry (tests/opdb.ts) drives two generic tests: every entry passes a float64 gradcheck over its
 * fast-check samples, and every exported differentiable op has an entry (so a new op cannot skip them).
 */
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import * as ops from '../../src/ops/index.js';
import * as losses from '../../src/nn/losses.js';
import { gradcheck, Tensor } from '../../src/index.js';
import { observeRecords } from '../../src/autograd/record.js';
import { opdb, NOT_DIFFERENTIABLE, type OpCase } from '../opdb.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entries = Object.entries(opdb) as [string, OpCase][];

describe('every op in the registry passes a float64 gradcheck', () => {
  test.each(entries)('%s', (name, c) => {
    fc.assert(
      fc.property(c.sample, fc.nat(1000), (s, seed) => {
        gradcheck(s.call, [...s.inputs], { wrt: s.wrt, fast: c.fast, seed, name: `${name} (${s.note})` });
      }),
      { numRuns: c.runs ?? 12, seed: 0x0bdb },
    );
  });
});

describe('the registry is complete', () => {
  const exported = [...Object.entries(ops), ...Object.entries(losses)].filter(([, v]) => typeof v === 'function').map(([k]) => k);

  test('every exported function of the op set and the losses has an entry or a reason not to', () => {
    const missing = exported.filter((k) => !(k in opdb) && !(k in NOT_DIFFERENTIABLE));
    expect(missing).toEqual([]);
    // and the lists name nothing that is not exported (a renamed op leaves no stale entry behind)
    const stale = [...Object.keys(opdb), ...Object.keys(NOT_DIFFERENTIABLE)].filter((k) => !exported.includes(k));
    expect(stale).toEqual([]);
  });

  test('the completeness check can fail: a new export without an entry is reported', () => {
    const withNew = [...exported, 'newOp'];
    expect(withNew.filter((k) => !(k in opdb) && !(k in NOT_DIFFERENTIABLE))).toEqual(['newOp']);
  });

  test('every op name recorded in src/ is recorded by some registry sample (in float64 or float32)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
    const declared = new Set<string>();
    for (const f of [...files(join(ROOT, 'src/ops')), join(ROOT, 'src/nn/losses.ts'), join(ROOT, 'src/nn/pointwise-losses.ts')]) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/record\(\s*'([^']+)'/g)) declared.add(m[1]);
      for (const m of text.matchAll(/const OP = '([^']+)'/g)) declared.add(m[1]);
    }
    const seen = new Set<string>();
    const prev = observeRecords((node) => void seen.add(node.gradFn!.name));
    try {
      for (const [, c] of entries) {
        for (const s of fc.sample(c.sample, { numRuns: 8, seed: 1 })) {
          for (const Arr of [Float64Array, Float32Array]) {
            const xs = s.inputs.map((t, i) => (t.dtype === 'int32' ? t : new Tensor(Arr.from(t.data), t.shape).requiresGrad_(!s.wrt || s.wrt.includes(i))));
            s.call(...xs);
          }
        }
      }
    } finally {
      observeRecords(prev);
    }
    expect([...declared].filter((n) => !seen.has(n))).toEqual([]);
    expect(declared.size).toBeGreaterThan(25);
  });
});
