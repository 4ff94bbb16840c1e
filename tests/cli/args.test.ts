import { describe, expect, test } from 'vitest';
import { parseFlags, formatHelp } from '../../src/cli/args.js';
import { commands, trainCommand, infoCommand, predictCommand } from '../../src/cli/commands.js';

const parse = (argv: string[], cmd = trainCommand) => parseFlags(cmd, argv).values;
const fails = (argv: string[], cmd = trainCommand) => expect(() => parseFlags(cmd, argv));

describe('flag parsing', () => {
  test('typed values, both --name value and --name=value, camelCase keys', () => {
    expect(parse(['--epochs', '3', '--lr=0.01', '--batch-size', '4', '--model', 'unet', '--data', 'd', '--json'])).toEqual({
      epochs: 3, lr: 0.01, batchSize: 4, model: 'unet', data: 'd', json: true,
    });
    expect(parse(['--weight-decay', '0', '--lr', '1e-3', '--val-fraction', '.5'])).toEqual({ weightDecay: 0, lr: 0.001, valFraction: 0.5 });
    expect(parseFlags(infoCommand, ['--size', '64x96']).values.size).toEqual([64, 96]);
    expect(parseFlags(infoCommand, ['--size', '48']).values.size).toEqual([48, 48]);
    expect(parse(['--help']).help).toBe(true);
    expect(parse(['-h']).help).toBe(true);
  });

  test('every bad value is one line naming the flag', () => {
    fails(['--lr', '0']).toThrow('--lr must be a number > 0, got "0"');
    fails(['--lr', '-0.1']).toThrow('--lr must be a number > 0, got "-0.1"');
    fails(['--lr', 'fast']).toThrow('--lr must be a number > 0, got "fast"');
    fails(['--epochs', '0']).toThrow('--epochs must be an integer >= 1, got "0"');
    fails(['--epochs', '2.5']).toThrow('--epochs must be an integer >= 1, got "2.5"');
    fails(['--batch-size', '0']).toThrow('--batch-size must be an integer >= 1, got "0"');
    fails(['--threads', '0']).toThrow('--threads must be an integer >= 1, got "0"');
    fails(['--size', '-5']).toThrow('--size must be an integer >= 16 and <= 16384, got "-5"');
    fails(['--size', '0']).toThrow('--size must be an integer >= 16 and <= 16384, got "0"');
    fails(['--base-c', '2']).toThrow('--base-c must be an integer >= 4 and <= 1024, got "2"');
    fails(['--val-fraction', '1']).toThrow('--val-fraction must be a number > 0 and < 1, got "1"');
    fails(['--size', '12x0'], infoCommand).toThrow('--size must be SIZE or HEIGHTxWIDTH with each side >= 16 and <= 16384, got "12x0"');
    fails(['--model', 'vit']).toThrow('--model must be one of amsunet, unet, got "vit"');
    fails(['--lr', '1e400']).toThrow('--lr must be a number > 0, got "1e400"');
    fails(['--epochs']).toThrow('--epochs needs a value (N)');
    fails(['--epochs', '--lr', '1']).toThrow('--epochs needs a value (N)');
    fails(['--json=yes']).toThrow('--json takes no value, got "yes"');
    fails(['--data', '']).toThrow('--data needs a non-empty value');
  });

  test('unknown flags and stray arguments, with a suggestion', () => {
    fails(['--epoch', '3']).toThrow('unknown flag --epoch (did you mean --epochs?); see amsunet train --help');
    fails(['--frobnicate']).toThrow('unknown flag --frobnicate; see amsunet train --help');
    fails(['data/drive']).toThrow('unexpected argument "data/drive" (flags start with --; see amsunet train --help)');
    fails(['--overlay'], trainCommand).toThrow(/unknown flag --overlay/);
    expect(parseFlags(predictCommand, ['--overlay']).values.overlay).toBe(true);
  });

  test('every command has --help text listing each of its flags', () => {
    for (const c of commands) {
      const h = formatHelp(c);
      expect(h).toContain(`amsunet ${c.name}: ${c.summary}`);
      for (const f of c.flags) expect(h).toContain(`--${f.name}`);
      expect(h).toContain('--debug');
    }
  });
});
