/**
 * The compiled package in dist/, for tests that spawn `node` (the CLI, the memory soak). npm test builds first;
 * run alone, a test calls ensureBuilt(), which runs tsc when a source file is newer than its compiled copy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const CLI = join(DIST, 'src', 'cli', 'main.js');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
}

/** Source files whose compiled .js is missing or older than the source. */
export function staleFiles(): string[] {
  return sources(join(ROOT, 'src')).filter((src) => {
    const out = join(DIST, relative(ROOT, src)).replace(/\.ts$/, '.js');
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
}

/** Compile when dist/ is stale. Type errors elsewhere in the tree do not stop tsc from emitting, so only a missing output fails. */
export function ensureBuilt(): void {
  if (staleFiles().length === 0) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    const stale = staleFiles();
    if (stale.length) throw new Error(`build failed; still stale: ${stale.slice(0, 3).join(', ')}\n${String((e as { stdout?: Buffer }).stdout ?? '')}`);
  }
}

export const distUrl = (path: string): string => new URL(`file://${join(DIST, path)}`).href;
