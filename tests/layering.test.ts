/** src/tensor/ is the bottom layer: nothing in it may import from src/autograd/, src/ops/ or src/nn/. */
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FORBIDDEN = ['src/autograd/', 'src/ops/', 'src/nn/'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : /\.(ts|js|mts)$/.test(name) ? [p] : [];
  });
}

/** Module specifiers of every import/export-from, side-effect import and dynamic import() in a source text. */
function importSpecifiers(source: string): string[] {
  const re = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  return [...source.matchAll(re)].map((m) => m[1] ?? m[2]);
}

/** Layer violations of one file: relative imports that resolve into a forbidden folder (paths relative to ROOT). */
function violations(file: string, source: string): string[] {
  return importSpecifiers(source)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(dirname(file), s)).split('\\').join('/'))
    .filter((target) => FORBIDDEN.some((f) => target.startsWith(f)));
}

describe('layering', () => {
  test('the import scanner sees every import form (so the real check can fail)', () => {
    const file = join(ROOT, 'src/kernels/x.ts');
    const src = [
      "import { record } from '../../autograd/record.js';",
      "import type { Tensor } from '../../ops/index.js';",
      "export { Module } from '../../nn/module.js';",
      "import '../../ops/methods.js';",
      "const m = await import('../../autograd/engine.js');",
      "import {\n  a,\n  b,\n} from '../../nn/x.js';",
      "import { Shape } from '../shape.js';",
    ].join('\n');
    expect(violations(file, src)).toEqual([
      'src/autograd/record.js', 'src/ops/index.js', 'src/nn/module.js', 'src/ops/methods.js', 'src/autograd/engine.js', 'src/nn/x.js',
    ]);
  });

  test('no file under src/tensor/ imports from src/autograd/, src/ops/ or src/nn/', () => {
    const files = filesUnder(join(ROOT, 'src/tensor'));
    expect(files.length).toBeGreaterThan(5);
    const bad = files.flatMap((f) => violations(f, readFileSync(f, 'utf8')).map((t) => `${relative(ROOT, f)} imports ${t}`));
    expect(bad).toEqual([]);
  });
});
