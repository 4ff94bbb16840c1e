/**
 * The layering of src/, checked on the real import graph (every file's imports, relative ones resolved to files,
 * `.js` specifiers read as the `.ts` source). Type-only imports (`import type`, `export type`, `import { type A }`
 * with every name type-marked, `typeof import('x')`) vanish when TypeScript compiles, so they are not edges of the
 * runtime graph (a type-only `node:*` import loads nothing either).
 *
 *   (a) no `node:*` (or bare Node built-in) import, static or dynamic, in the platform-neutral layers, nor in the
 *       runtime import closure of src/index.ts and src/browser.ts; under src/platform only node-pool-worker.ts
 *       (the worker entry Node starts by file name) may import one
 *   (b) a kernel (src/kernels/) imports only tensor primitives (src/tensor/{dtype,shape,erf}.ts) and other kernels
 *   (c) no runtime import cycle anywhere in src
 *   (d) ops and autograd import from src/backend only dispatch.ts, dispatch/* and index.ts (runtime settings)
 *   (e) a depth-wise conv call from ops/conv2d.ts reaches its loop (kernels/conv2d-depthwise.ts) through at most
 *       4 files, both ends counted
 * Each rule has a test that runs its checker on a small in-memory source tree breaking it, so the checks can fail.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/* ---------- scanning one source text ---------- */

interface ImportRef {
  specifier: string;
  /** erased by the compiler: `import type`, `export type`, all-`type` named imports, `typeof import()` */
  typeOnly: boolean;
  dynamic: boolean;
}

/** The source without comments (string and template literals kept, so a '//' inside a string stays). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)/g,
    (m, str: string | undefined) => str ?? (m.startsWith('/*') ? m.replace(/[^\n]/g, ' ') : ''));
}

/** A named clause `{ type A, type B as C }` whose every name is type-marked (TypeScript drops the import). */
function allTypeNames(clause: string): boolean {
  const m = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (!m) return false;
  const names = m[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return names.length > 0 && names.every((s) => /^type\s/.test(s));
}

/** Every import/export-from, side-effect import and dynamic import() of a source text. */
function scanImports(source: string): ImportRef[] {
  const text = stripComments(source);
  const refs: ImportRef[] = [];
  const staticRe = /(?:^|[\s;}])(import|export)\s+(type\s+)?(?:([\w\s{},*$]*?)\s+from\s*)?['"]([^'"\n]+)['"]/g;
  for (const m of text.matchAll(staticRe)) {
    const clause = m[3] ?? '';
    refs.push({ specifier: m[4], typeOnly: m[2] !== undefined || allTypeNames(clause), dynamic: false });
  }
  for (const m of text.matchAll(/(typeof\s+)?\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g)) {
    refs.push({ specifier: m[2], typeOnly: m[1] !== undefined, dynamic: true });
  }
  return refs;
}

const NODE_BUILTINS = new Set(builtinModules);

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]);
}

/* ---------- the graph of a source tree ---------- */

/** Files by path relative to the project root ('src/ops/conv2d.ts'), and their text. */
type SourceTree = ReadonlyMap<string, string>;

interface Graph {
  files: string[];
  /** runtime edges to files of the tree (type-only imports excluded) */
  runtime: Map<string, string[]>;
  /** every import of a file, resolved when relative ('src/x.ts'), as written otherwise */
  imports: Map<string, { target: string; ref: ImportRef }[]>;
}

/** A relative specifier of `from` as a file of the tree: x.js → x.ts, x → x.ts or x/index.ts. */
function resolveIn(tree: SourceTree, from: string, specifier: string): string {
  const base = relative('.', join(dirname(from), specifier)).split('\\').join('/');
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => tree.has(c)) ?? base;
}

function buildGraph(tree: SourceTree): Graph {
  const files = [...tree.keys()].sort();
  const runtime = new Map<string, string[]>(), imports = new Map<string, { target: string; ref: ImportRef }[]>();
  for (const f of files) {
    const refs = scanImports(tree.get(f)!).map((ref) => ({
      ref, target: ref.specifier.startsWith('.') ? resolveIn(tree, f, ref.specifier) : ref.specifier,
    }));
    imports.set(f, refs);
    runtime.set(f, [...new Set(refs.filter((r) => !r.ref.typeOnly && tree.has(r.target)).map((r) => r.target))]);
  }
  return { files, runtime, imports };
}

/** Files reachable from `roots` over runtime edges, roots included. */
function closure(g: Graph, roots: readonly string[]): Set<string> {
  const seen = new Set<string>(), stack = [...roots];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    stack.push(...(g.runtime.get(f) ?? []));
  }
  return seen;
}

/* ---------- the rules: each returns its violations as lines (empty: the rule holds) ---------- */

/** Layers that must run on any host: no Node built-in, not even behind a dynamic import. */
const NEUTRAL_DIRS = ['tensor', 'autograd', 'ops', 'nn', 'optim', 'models', 'kernels', 'backend', 'image', 'metrics', 'testing']
  .map((d) => `src/${d}/`);
/** The one file under src/platform that may import `node:*`: the worker entry Node starts by its file name. */
const NODE_WORKER_ENTRY = 'src/platform/node-pool-worker.ts';

/** (a) */
function nodeImports(g: Graph, entries: readonly string[]): string[] {
  const core = closure(g, entries);
  return g.files.flatMap((f) => {
    const inLayer = NEUTRAL_DIRS.some((d) => f.startsWith(d)) || core.has(f) || (f.startsWith('src/platform/') && f !== NODE_WORKER_ENTRY);
    if (!inLayer) return [];
    return g.imports.get(f)!.filter((r) => !r.ref.typeOnly && isNodeBuiltin(r.ref.specifier)).map((r) => `${f} imports ${r.ref.specifier}`);
  });
}

/** What a kernel may import: these tensor primitives and other kernels (type-only imports of them too). */
const KERNEL_DEPS = ['src/tensor/dtype.ts', 'src/tensor/shape.ts', 'src/tensor/erf.ts'];

/** (b) every import of a kernel, type-only ones included (a kernel's signature is part of the bottom layer too) */
function kernelImports(g: Graph): string[] {
  return g.files.filter((f) => f.startsWith('src/kernels/')).flatMap((f) => g.imports.get(f)!
    .filter((r) => !r.target.startsWith('src/kernels/') && !KERNEL_DEPS.includes(r.target))
    .map((r) => `${f} imports ${r.target}`));
}

/** (c) every strongly connected component of more than one file, or a file importing itself, as 'a → b → … → a'. */
function importCycles(g: Graph): string[] {
  // Tarjan's algorithm, iterative
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>(), stack: string[] = [];
  const cycles: string[] = [];
  for (const root of g.files) {
    if (index.has(root)) continue;
    const work: { f: string; i: number }[] = [{ f: root, i: 0 }];
    index.set(root, next); low.set(root, next++); stack.push(root); onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1], edges = g.runtime.get(top.f) ?? [];
      if (top.i < edges.length) {
        const t = edges[top.i++];
        if (!index.has(t)) {
          index.set(t, next); low.set(t, next++); stack.push(t); onStack.add(t);
          work.push({ f: t, i: 0 });
        } else if (onStack.has(t)) low.set(top.f, Math.min(low.get(top.f)!, index.get(t)!));
        continue;
      }
      work.pop();
      if (work.length > 0) low.set(work[work.length - 1].f, Math.min(low.get(work[work.length - 1].f)!, low.get(top.f)!));
      if (low.get(top.f) !== index.get(top.f)) continue;
      const scc: string[] = [];
      for (let f = stack.pop()!; ; f = stack.pop()!) {
        onStack.delete(f);
        scc.push(f);
        if (f === top.f) break;
      }
      if (scc.length > 1 || (g.runtime.get(top.f) ?? []).includes(top.f)) cycles.push(cycleThrough(g, new Set(scc), top.f));
    }
  }
  return cycles;
}

/** One cycle inside a strongly connected component, from `start` back to it (breadth-first, so a shortest one). */
function cycleThrough(g: Graph, scc: Set<string>, start: string): string {
  const prev = new Map<string, string>(), queue = [start];
  for (let k = 0; k < queue.length; k++) {
    for (const t of g.runtime.get(queue[k]) ?? []) {
      if (!scc.has(t)) continue;
      if (t === start) {
        const path = [start];
        for (let f = queue[k]; f !== start; f = prev.get(f)!) path.splice(1, 0, f);
        return [...path, start].join(' → ') + ` (${scc.size} files)`;
      }
      if (!prev.has(t)) {
        prev.set(t, queue[k]);
        queue.push(t);
      }
    }
  }
  return `${start} (${scc.size} files)`;
}

/** What ops and autograd may import from src/backend. */
function backendEntryAllowed(target: string): boolean {
  return target === 'src/backend/dispatch.ts' || target.startsWith('src/backend/dispatch/') || target === 'src/backend/index.ts';
}

/** (d) runtime and type-only imports alike: an op depends on the dispatch layer, not on a driver */
function opBackendImports(g: Graph): string[] {
  return g.files.filter((f) => f.startsWith('src/ops/') || f.startsWith('src/autograd/')).flatMap((f) => g.imports.get(f)!
    .filter((r) => r.target.startsWith('src/backend/') && !backendEntryAllowed(r.target))
    .map((r) => `${f} imports ${r.target}`));
}

/** The shortest runtime import chain from `from` to `to` (files, both ends included), or null. */
function shortestChain(g: Graph, from: string, to: string): string[] | null {
  const prev = new Map<string, string>([[from, '']]), queue = [from];
  for (let k = 0; k < queue.length; k++) {
    const f = queue[k];
    if (f === to) {
      const path: string[] = [];
      for (let p = f; p !== ''; p = prev.get(p)!) path.unshift(p);
      return path;
    }
    for (const t of g.runtime.get(f) ?? []) {
      if (!prev.has(t)) {
        prev.set(t, f);
        queue.push(t);
      }
    }
  }
  return null;
}

/** (e) */
function depthwiseChain(g: Graph, maxFiles = 4): string[] {
  const chain = shortestChain(g, 'src/ops/conv2d.ts', 'src/kernels/conv2d-depthwise.ts');
  if (chain === null) return ['src/ops/conv2d.ts does not reach src/kernels/conv2d-depthwise.ts'];
  return chain.length <= maxFiles ? [] : [`${chain.length} files: ${chain.join(' → ')}`];
}

/* ---------- the real tree ---------- */

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : /\.(ts|mts)$/.test(name) ? [p] : [];
  });
}

function srcTree(): SourceTree {
  return new Map(filesUnder(join(ROOT, 'src')).map((p) => [relative(ROOT, p).split('\\').join('/'), readFileSync(p, 'utf8')]));
}

const ENTRIES = ['src/index.ts', 'src/browser.ts'];

/** A tree from { path: lines }. */
function tree(files: Record<string, string[]>): SourceTree {
  return new Map(Object.entries(files).map(([p, lines]) => [p, lines.join('\n')]));
}

describe('import scanner', () => {
  test('sees every import form, and tells type-only ones apart', () => {
    const refs = scanImports([
      "import { record } from '../autograd/record.js';",
      "import type { Tensor } from '../ops/index.js';",
      "export { Module } from '../nn/module.js';",
      "export type { Shape } from '../tensor/shape.js';",
      "export * from './all.js';",
      "import '../ops/methods.js';",
      "const m = await import('../autograd/engine.js');",
      "type Fs = typeof import('node:fs');",
      "import {\n  a,\n  b,\n} from '../nn/x.js';",
      "import { type A, type B as C } from './types.js';",
      "import { type A, b } from './mixed.js';",
      "import X, { type Y } from './default.js';",
      "import * as K from './ns.js';",
      "import {} from './side.js';",
      "// import { gone } from './commented.js';",
      "/* import { gone } from './block.js'; */",
      "const url = 'http://example.com/x'; import { z } from './after-string.js';",
      "export interface I {\n  a: number;\n}\nimport type { T } from './after-interface.js';",
    ].join('\n'));
    expect(refs.map((r) => [r.specifier, r.typeOnly, r.dynamic])).toEqual([
      ['../autograd/record.js', false, false],
      ['../ops/index.js', true, false],
      ['../nn/module.js', false, false],
      ['../tensor/shape.js', true, false],
      ['./all.js', false, false],
      ['../ops/methods.js', false, false],
      ['../nn/x.js', false, false],
      ['./types.js', true, false],
      ['./mixed.js', false, false],
      ['./default.js', false, false],
      ['./ns.js', false, false],
      ['./side.js', false, false],
      ['./after-string.js', false, false],
      ['./after-interface.js', true, false],
      ['../autograd/engine.js', false, true],
      ['node:fs', true, true],
    ]);
  });

  test('resolves relative imports to files (.js → .ts, folder → index.ts)', () => {
    const g = buildGraph(tree({
      'src/ops/a.ts': ["import { b } from '../kernels/b.js';", "import { c } from './c';", "import { d } from '../d/index.js';",
        "import { e } from '../e';"],
      'src/kernels/b.ts': [], 'src/ops/c.ts': [], 'src/d/index.ts': [], 'src/e/index.ts': [],
    }));
    expect(g.runtime.get('src/ops/a.ts')).toEqual(['src/kernels/b.ts', 'src/ops/c.ts', 'src/d/index.ts', 'src/e/index.ts']);
  });
});

describe('each rule fails on a tree that breaks it', () => {
  test('(a) node:* below the app, or in the closure of an entry', () => {
    const g = buildGraph(tree({
      'src/index.ts': ["export * from './app/x.js';"],
      'src/app/x.ts': ["import { readFileSync } from 'node:fs';"],
      'src/backend/pool.ts': ["const w = await import('node:worker_threads');"],
      'src/kernels/k.ts': ["import os from 'os';"],
      'src/platform/node.ts': ["import { Worker } from 'node:worker_threads';"],
      'src/platform/node-pool-worker.ts': ["import { workerData } from 'node:worker_threads';"],
      'src/platform/types.ts': ["type Fs = typeof import('node:fs');", "import type { Stats } from 'node:fs';"],
      'src/cli/main.ts': ["import { argv } from 'node:process';"],
    }));
    expect(nodeImports(g, ['src/index.ts'])).toEqual([
      'src/app/x.ts imports node:fs',
      'src/backend/pool.ts imports node:worker_threads',
      'src/kernels/k.ts imports os',
      'src/platform/node.ts imports node:worker_threads',
    ]);
  });

  test('(b) a kernel importing anything but tensor primitives and kernels', () => {
    const g = buildGraph(tree({
      'src/kernels/conv.ts': ["import { gemm } from '../backend/index.js';", "import type { Shape } from '../tensor/shape.js';",
        "import { erfc } from '../tensor/erf.js';", "import { tapRanges } from './common.js';", "import type { Tensor } from '../tensor/tensor.js';"],
      'src/kernels/common.ts': [], 'src/backend/index.ts': [], 'src/tensor/shape.ts': [], 'src/tensor/erf.ts': [], 'src/tensor/tensor.ts': [],
    }));
    expect(kernelImports(g)).toEqual(['src/kernels/conv.ts imports src/backend/index.ts', 'src/kernels/conv.ts imports src/tensor/tensor.ts']);
  });

  test('(c) a runtime import cycle (type-only edges do not close one)', () => {
    const g = buildGraph(tree({
      'src/a.ts': ["import { b } from './b.js';"],
      'src/b.ts': ["import { c } from './c.js';"],
      'src/c.ts': ["import { a } from './a.js';"],
      'src/d.ts': ["import { e } from './e.js';"],
      'src/e.ts': ["import type { D } from './d.js';"],
      'src/f.ts': ["import { f } from './f.js';"],
    }));
    expect(importCycles(g)).toEqual(['src/a.ts → src/b.ts → src/c.ts → src/a.ts (3 files)', 'src/f.ts → src/f.ts (1 files)']);
  });

  test('(d) an op or autograd file importing a backend driver', () => {
    const g = buildGraph(tree({
      'src/ops/conv2d.ts': ["import { conv2dForward } from '../backend/dispatch.js';", "import { getBackend } from '../backend/index.js';"],
      'src/ops/binary.ts': ["import { arithWasm } from '../backend/wasm/arith.js';"],
      'src/autograd/sums.ts': ["import { addIntoPooled } from '../backend/parallel/js-pooled.js';"],
      'src/backend/dispatch.ts': [], 'src/backend/index.ts': [], 'src/backend/wasm/arith.ts': [], 'src/backend/parallel/js-pooled.ts': [],
    }));
    expect(opBackendImports(g)).toEqual([
      'src/autograd/sums.ts imports src/backend/parallel/js-pooled.ts',
      'src/ops/binary.ts imports src/backend/wasm/arith.ts',
    ]);
  });

  test('(e) a depth-wise call that crosses more than 4 files to its loop', () => {
    const files = ['src/ops/conv2d.ts', 'src/backend/dispatch.ts', 'src/backend/conv.ts', 'src/kernels/conv2d.ts', 'src/kernels/conv2d-depthwise.ts'];
    const spec = (from: string, to: string): string => `./${relative(dirname(from), to)}`.replace(/^\.\/\.\./, '..');
    const chain = Object.fromEntries(files.map((f, i) => [f, i + 1 < files.length ? [`import { x } from '${spec(f, files[i + 1])}';`] : []]));
    expect(depthwiseChain(buildGraph(tree(chain)))).toEqual([`5 files: ${files.join(' → ')}`]);
    expect(depthwiseChain(buildGraph(tree({ ...chain, 'src/backend/dispatch.ts': ["import { x } from '../kernels/conv2d-depthwise.js';"] })))).toEqual([]);
    expect(depthwiseChain(buildGraph(tree({ 'src/ops/conv2d.ts': [], 'src/kernels/conv2d-depthwise.ts': [] }))))
      .toEqual(['src/ops/conv2d.ts does not reach src/kernels/conv2d-depthwise.ts']);
  });
});

describe('layering of src/', () => {
  const g = buildGraph(srcTree());

  test('the graph is the real one (sanity)', () => {
    expect(g.files.length).toBeGreaterThan(150);
    expect(g.runtime.get('src/ops/conv2d.ts')!.length).toBeGreaterThan(2);
    for (const e of ENTRIES) expect(closure(g, [e]).size).toBeGreaterThan(100);
  });

  test('(a) no node:* import in the platform-neutral layers nor in what src/index.ts and src/browser.ts load', () => {
    expect(nodeImports(g, ENTRIES)).toEqual([]);
  });

  test('(b) kernels import only tensor/{dtype,shape,erf}.ts and other kernels', () => {
    expect(kernelImports(g)).toEqual([]);
  });

  test('(c) no runtime import cycle in src', () => {
    expect(importCycles(g)).toEqual([]);
  });

  test('(d) ops and autograd reach src/backend only through dispatch and index.ts', () => {
    expect(opBackendImports(g)).toEqual([]);
  });

  test('(e) a depth-wise conv call from ops/conv2d.ts reaches its loop through at most 4 files', () => {
    expect(depthwiseChain(g)).toEqual([]);
  });

  test('src/tensor/ imports nothing from autograd, ops or nn', () => {
    const bad = g.files.filter((f) => f.startsWith('src/tensor/')).flatMap((f) => g.imports.get(f)!
      .filter((r) => ['src/autograd/', 'src/ops/', 'src/nn/'].some((d) => r.target.startsWith(d))).map((r) => `${f} imports ${r.target}`));
    expect(bad).toEqual([]);
  });
});
