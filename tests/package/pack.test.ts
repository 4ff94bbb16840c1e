/**
 * The package as a user gets it: `npm pack` gives a small tarball of the built library (no tests, fixtures or
 * source maps) that installs into an empty project with no network and runs a forward pass; a fresh copy of the
 * repository installs with `npm ci` (whose `prepare` builds it) and then installs into a project by path.
 * Run after `npm run build` (npm test does it); the copy test rebuilds in its own folder.
 */
import { describe, expect, test, beforeAll } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, cpSync, readFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();
const MAX_TARBALL_BYTES = 1.5 * 1024 * 1024;

function run(cmd: string, args: string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** An empty ES-module project with one script that uses the installed package. */
function emptyProject(base: string, name: string): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  return dir;
}

/** The script a user would write: core API from the package root, a seeded forward of a small AMSUnet. */
const USE = `
import { AMSUnet, manualSeed, randn, noGrad, setThreads, getThreads, stateDictBytes, stateDictFromBytes } from 'amsunet-ts';
import { loadStateDictFile } from 'amsunet-ts/node';
setThreads(1);
manualSeed(0);
const model = new AMSUnet({ baseC: 4 });
model.eval();
const y = noGrad(() => model.forward(randn([1, 3, 16, 16])));
const again = new AMSUnet({ baseC: 4 }); again.loadStateDict(stateDictFromBytes(stateDictBytes(model)).stateDict);
console.log(JSON.stringify({ shape: y.shape, finite: Array.from(y.data).every(Number.isFinite), threads: getThreads(), params: again.numParameters(), loader: typeof loadStateDictFile }));
`;

/**
 * What `npm install <tarball>` does, with no network: unpack it as node_modules/amsunet-ts and add its runtime
 * dependencies (small pure-JS packages, no dependencies of their own) from this checkout's node_modules. `npm install
 * --offline` itself would need the registry's metadata for those dependencies in the local cache, which `npm ci`
 * does not put there.
 */
function installTarball(tarball: string, project: string): void {
  const dir = join(project, 'node_modules/amsunet-ts');
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'], project);
  for (const dep of Object.keys(packedJson(project).dependencies ?? {})) {
    cpSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep), { recursive: true });
  }
}

function packedJson(project: string): { bin: Record<string, string>; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(project, 'node_modules/amsunet-ts/package.json'), 'utf8'));
}

function expectForward(project: string): void {
  writeFileSync(join(project, 'use.mjs'), USE);
  const out = JSON.parse(run(process.execPath, ['use.mjs'], project).stdout.trim());
  expect(out).toEqual({ shape: [1, 2, 16, 16], finite: true, threads: 1, params: expect.any(Number), loader: 'function' });
}

let base: string;
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/src/node.js'))) throw new Error('dist/src/node.js is missing: run npm run build first');
  base = mkdtempSync(join(tmpdir(), 'amsunet-pack-'));
});

describe('package', () => {
  test('npm pack: a tarball under 1.5 MB of the built library, README and LICENSE only; installs offline and runs a forward', () => {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', base], ROOT).stdout)[0];
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(packed.size).toBeLessThan(MAX_TARBALL_BYTES);
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    for (const entry of ['dist/src/index.js', 'dist/src/node.js', 'dist/src/browser.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js']) expect(files).toContain(entry);
    expect(files.filter((f) => !/^(dist\/src\/.*\.(js|d\.ts)|README\.md|LICENSE|package\.json)$/.test(f))).toEqual([]);
    const project = emptyProject(base, 'from-tarball');
    installTarball(join(base, packed.filename), project);
    expectForward(project);
    // The CLI comes with it.
    const info = run(process.execPath, [join(project, 'node_modules/amsunet-ts', packedJson(project).bin.amsunet), 'info', '--base-c', '4', '--size', '16', '--json'], project);
    expect(JSON.parse(info.stdout).inChannels).toBe(3);
  });

  test('public types name no Buffer (they hold for browser builds too)', () => {
    // Every export of the three entry points, read from the built declarations by the TypeScript checker: its type,
    // its call and construct signatures, and the types of its properties (instance members for classes).
    const entries = ['index', 'node', 'browser'].map((e) => join(ROOT, `dist/src/${e}.d.ts`));
    const program = ts.createProgram(entries, { strict: true, skipLibCheck: true, types: ['node'] });
    const checker = program.getTypeChecker();
    const show = (t: ts.Type) => checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation);
    const offenders: string[] = [];
    let exported = 0;
    for (const entry of entries) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
      for (const exp of checker.getExportsOfModule(module)) {
        exported++;
        const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
        const decl = sym.declarations?.[0];
        if (!decl) continue;
        const types = [checker.getTypeOfSymbolAtLocation(sym, decl)];
        if (sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) types.push(checker.getDeclaredTypeOfSymbol(sym));
        const texts: string[] = [];
        for (const t of types) {
          texts.push(show(t));
          for (const sig of [...t.getCallSignatures(), ...t.getConstructSignatures()]) texts.push(checker.signatureToString(sig));
          for (const prop of t.getProperties()) if (prop.declarations?.[0]) texts.push(show(checker.getTypeOfSymbolAtLocation(prop, prop.declarations[0])));
        }
        const hit = texts.find((x) => /\bBuffer\b/.test(x.replace(/(Shared)?ArrayBuffer(Like)?/g, '')));
        if (hit) offenders.push(`${exp.name}: ${hit}`);
      }
    }
    expect(exported).toBeGreaterThan(300);
    expect(offenders).toEqual([]);
  });

  test('a fresh copy of the repository: npm ci builds it (prepare), and npm install <path> gives a working package', () => {
    const clone = join(base, 'clone');
    const tracked = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], ROOT).stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)));
    for (const f of tracked) {
      if (f.startsWith('tests/') || f.startsWith('bench/') || f.startsWith('docs/')) continue; // not needed to build; keeps the copy small
      // never a symlink (a worktree's node_modules may be one: npm ci in the copy would empty its target)
      if (lstatSync(join(ROOT, f)).isSymbolicLink() || f.split('/')[0] === 'node_modules') continue;
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      cpSync(join(ROOT, f), join(clone, f));
    }
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    run('npm', ['ci', '--offline'], clone, 400_000);
    expect(existsSync(join(clone, 'dist/src/node.js'))).toBe(true);
    const project = emptyProject(base, 'from-folder');
    run('npm', ['install', '--offline', clone], project);
    expectForward(project);
  }, 600_000);
});
