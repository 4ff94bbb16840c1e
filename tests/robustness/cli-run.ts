/** Spawning the built `amsunet` command and checking how it fails. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CLI } from './dist.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export function cli(cwd: string, args: string[], timeout = 120_000, uid?: number): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout, ...(uid === undefined ? {} : { uid, gid: uid }) });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** uid of `nobody`, for running the command unprivileged when the tests run as root (root can read a chmod 000 file). */
export const NOBODY = 65534;

/** Whether the command can run as `uid` here (it must be able to read the built CLI and the node binary). */
export function canRunAs(uid: number): boolean {
  const r = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)}, 4)`], { uid, gid: uid });
  return r.status === 0;
}

/** Start the command without waiting; the result promise resolves when it exits. */
export function cliAsync(cwd: string, args: string[]): { child: ChildProcess; out: () => string; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, out: () => out, done };
}

/**
 * The failure contract of issue 7: a non-zero exit (not a crash by signal), exactly one line on stderr that names
 * every given file or flag, no JavaScript stack trace, no "internal error", nothing unreadable.
 */
export function expectCleanFailure(r: CliResult, ...mentions: string[]): string {
  const shown = JSON.stringify({ code: r.code, signal: r.signal, err: r.err, out: r.out.slice(-400) });
  expect(r.signal, shown).toBeNull();
  expect(r.code, shown).not.toBe(0);
  const lines = r.err.split('\n').filter((l) => l.trim() !== '');
  expect(lines, shown).toHaveLength(1);
  const line = lines[0];
  expect(line, shown).not.toMatch(/^\s+at |internal error|--debug|\bundefined\b|\[object /);
  expect(r.out, shown).not.toMatch(/^\s+at /m);
  for (const m of mentions) expect(line, shown).toContain(m);
  return line;
}

/** Files under a folder (recursively), relative to it; [] when the folder does not exist. */
export function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());
}

/** Leftover temporary files of atomic writes (`<name>.tmp-<pid>`). */
export const tempFiles = (dir: string): string[] => filesIn(dir).filter((f) => /\.tmp-\d+$/.test(f));

export const isRoot = (): boolean => process.getuid?.() === 0;
