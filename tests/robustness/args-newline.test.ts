/**
 * A bad flag value is echoed JSON-quoted by src/cli/args.ts, so a value with a line break still gives a one-line
 * message (main.ts prints only the first line of a message).
 */
import { expect, test } from 'vitest';
import { parseFlags } from '../../src/cli/args.js';
import { commands } from '../../src/cli/commands.js';

test('a value with a line break is still reported on one line', () => {
  const train = commands.find((c) => c.name === 'train')!;
  let message = '';
  try {
    parseFlags(train, ['--lr', '0.1\nrm -rf /']);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toMatch(/^--lr /);
  expect(message).not.toContain('\n');
});
