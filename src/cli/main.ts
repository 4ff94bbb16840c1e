#!/usr/bin/env node
/**
 * The `amsunet` command: train, eval, predict, info, export, serve, bench, demo. Every failure ends with one line on stderr
 * ("amsunet train: --lr must be a number > 0, got "0"") and a non-zero exit code: 2 for bad flags, 1 for bad input
 * or a failed run, 130 after Ctrl-C. --debug adds the stack trace.
 */
import { readFileSync } from 'node:fs';
import { parseFlags, formatHelp, type Command } from './args.js';
import { commands } from './commands.js';
import { trainMain, evalMain, predictMain, infoMain, benchMain, demoMain } from './run-commands.js';
import { exportMain } from './export-command.js';
import { serveMain } from './serve-command.js';
import { UsageError, RunStopped } from '../app/errors.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function globalHelp(): string {
  const w = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    'amsunet: AMSUnet segmentation in TypeScript, trained on a from-scratch tensor engine',
    '',
    'Usage: amsunet <command> [flags]      amsunet <command> --help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    'Start with `amsunet demo` (what `npm start` runs), then `amsunet train --help`.',
    '',
  ].join('\n');
}

async function run(cmd: Command, argv: string[]): Promise<number> {
  const dd = argv.indexOf('--');
  const rest = dd >= 0 ? argv.slice(dd + 1) : [];
  const { values, given } = parseFlags(cmd, dd >= 0 ? argv.slice(0, dd) : argv);
  if (values.help) {
    process.stdout.write(formatHelp(cmd));
    return 0;
  }
  switch (cmd.name) {
    case 'train':
      await trainMain(values, given);
      return 0;
    case 'eval':
      evalMain(values);
      return 0;
    case 'predict':
      predictMain(values);
      return 0;
    case 'info':
      infoMain(values);
      return 0;
    case 'export':
      exportMain(values);
      return 0;
    case 'serve':
      return serveMain(values);
    case 'bench':
      return benchMain(values, rest);
    case 'demo':
      await demoMain(values);
      return 0;
    default:
      throw new UsageError(`unknown command ${cmd.name}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(globalHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`amsunet: unknown command ${JSON.stringify(name)}; commands: ${commands.map((c) => c.name).join(', ')} (see amsunet --help)\n`);
    return 2;
  }
  try {
    return await run(cmd, rest);
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    const message = String(err?.message ?? e).split('\n')[0];
    const known = e instanceof UsageError || e instanceof RunStopped || ['DataError', 'SafetensorsError', 'StateDictError', 'ShapeError', 'ConfigError'].includes(err?.name);
    process.stderr.write(`amsunet ${cmd.name}: ${known ? '' : 'internal error: '}${message}${!known && !debug ? ' (run with --debug for the stack trace)' : ''}\n`);
    if (debug && err?.stack) process.stderr.write(err.stack + '\n');
    if (debug && err?.cause instanceof Error) process.stderr.write(`caused by: ${err.cause.message}\n`);
    return e instanceof UsageError ? 2 : (err.exitCode ?? 1);
  }
}

// Output piped into a reader that quits early (amsunet info | head) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`amsunet: internal error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
