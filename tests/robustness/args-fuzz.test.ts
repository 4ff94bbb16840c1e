/**
 * The flag parser of every command under random argv (known and unknown flags, --name=value and --name value,
 * odd numbers, empty strings, stray arguments): it either returns values of the declared type inside the declared
 * range, or throws a one-line UsageError naming a flag or the stray argument. Never another error.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/app/errors.js';
import { camel, parseFlags, type Flag } from '../../src/cli/args.js';
import { commands } from '../../src/cli/commands.js';

const oddValues = ['0', '-1', '1', '2', '16', '3.5', '1e3', '1e400', '-0', '+4', '.5', '5.', ' 7', '0x10', 'NaN', 'Infinity', '-Infinity', '', 'x', '16x16', '0x16', '16x', 'x16', '99999999999999999999', '1_000', '２', 'amsunet', 'unet', 'binary', 'index', '--', '-', '--help', '=', 'a=b', 'true'];

function inRange(f: Flag, v: number): boolean {
  return (f.min === undefined || v >= f.min) && (f.above === undefined || v > f.above) && (f.max === undefined || v <= f.max) && (f.below === undefined || v < f.below);
}

describe('flag parser under random argv', () => {
  test.each(commands.map((c) => [c.name, c] as const))('%s', (_name, cmd) => {
    const names = [...cmd.flags.map((f) => f.name), 'help', 'debug', 'frobnicate', cmd.flags[0]?.name.slice(0, -1) ?? 'x'];
    const value = fc.oneof(fc.constantFrom(...oddValues), fc.string({ maxLength: 6 }), fc.integer().map(String), fc.double().map(String));
    const token = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...names), value).map(([n, v]) => [`--${n}`, v]) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...names), value).map(([n, v]) => [`--${n}=${v}`]) },
      { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => [`--${n}`]) },
      { weight: 1, arbitrary: value.map((v) => [v]) },
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 5 }).map((ts) => ts.flat()), (argv) => {
        let values;
        try {
          values = parseFlags(cmd, argv).values;
        } catch (e) {
          if (!(e instanceof UsageError)) throw new Error(`${JSON.stringify(argv)}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
          expect(e.message.split('\n')[0]).toMatch(/--[a-z]|unexpected argument/);
          return;
        }
        for (const f of cmd.flags) {
          const v = values[camel(f.name)];
          if (v === undefined) continue;
          const where = `${JSON.stringify(argv)} → --${f.name} = ${JSON.stringify(v)}`;
          if (f.type === 'int') expect(Number.isInteger(v) && inRange(f, v as number), where).toBe(true);
          if (f.type === 'number') expect(Number.isFinite(v) && inRange(f, v as number), where).toBe(true);
          if (f.type === 'dims') expect((v as number[]).every((d) => Number.isInteger(d) && inRange(f, d)), where).toBe(true);
          if (f.type === 'choice') expect(f.choices, where).toContain(v);
          if (f.type === 'string') expect(typeof v === 'string' && v !== '', where).toBe(true);
          if (f.type === 'bool') expect(v, where).toBe(true);
        }
      }),
      { numRuns: 1500, seed: 501 },
    );
  });

  // a value holding a line break is echoed raw, so the message spans two lines: pending/args-newline.pending.ts
});
