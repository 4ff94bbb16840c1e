/**
 * Command-line flags without a dependency: each command declares its flags (name, type, range, help), and
 * parseFlags turns argv into typed values or throws a UsageError whose message is one line naming the flag.
 * Accepted forms: `--name value`, `--name=value`, and bare `--name` for booleans.
 */
import { UsageError } from '../app/errors.js';

export type FlagType = 'string' | 'int' | 'number' | 'bool' | 'choice' | 'dims';

export interface Flag {
  /** Flag name without dashes, e.g. "batch-size"; the value key is its camelCase ("batchSize"). */
  name: string;
  type: FlagType;
  help: string;
  metavar?: string;
  choices?: readonly string[];
  /** Inclusive lower bound (int, number, dims). */
  min?: number;
  /** Exclusive lower bound (number), e.g. lr > 0. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
  /** Shown in --help. */
  default?: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: Flag[];
  examples: string[];
  details?: string;
}

export type FlagValues = Record<string, string | number | boolean | [number, number] | undefined>;

export const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** A user's value as shown in a message: quoted and escaped, so a line break or a quote cannot split or fake the line. */
const quote = (raw: string) => JSON.stringify(raw);
/** A flag name as typed, escaped the same way but without quotes (`--epoch`, not `--"epoch"`). */
const bare = (name: string) => JSON.stringify(name).slice(1, -1);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

function rangeText(f: Flag, kind: string): string {
  const parts: string[] = [];
  if (f.min !== undefined) parts.push(`>= ${f.min}`);
  if (f.above !== undefined) parts.push(`> ${f.above}`);
  if (f.max !== undefined) parts.push(`<= ${f.max}`);
  if (f.below !== undefined) parts.push(`< ${f.below}`);
  return `${kind}${parts.length ? ' ' + parts.join(' and ') : ''}`;
}

function inRange(f: Flag, v: number): boolean {
  return (f.min === undefined || v >= f.min) && (f.above === undefined || v > f.above) && (f.max === undefined || v <= f.max) && (f.below === undefined || v < f.below);
}

function convert(f: Flag, raw: string): string | number | [number, number] {
  const flag = `--${f.name}`;
  switch (f.type) {
    case 'string':
      if (raw === '') throw new UsageError(`${flag} needs a non-empty value`);
      return raw;
    case 'choice':
      if (!f.choices!.includes(raw)) throw new UsageError(`${flag} must be one of ${f.choices!.join(', ')}, got ${quote(raw)}`);
      return raw;
    case 'int':
    case 'number': {
      const kind = f.type === 'int' ? 'an integer' : 'a number';
      const v = NUMBER.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isFinite(v) || (f.type === 'int' && !Number.isInteger(v)) || !inRange(f, v)) {
        throw new UsageError(`${flag} must be ${rangeText(f, kind)}, got ${quote(raw)}`);
      }
      return v;
    }
    case 'dims': {
      const m = /^(\d+)(?:x(\d+))?$/.exec(raw.trim());
      const dims = m ? ([Number(m[1]), Number(m[2] ?? m[1])] as [number, number]) : null;
      if (!dims || !dims.every((d) => inRange(f, d))) throw new UsageError(`${flag} must be SIZE or HEIGHTxWIDTH with each ${rangeText(f, 'side')}, got ${quote(raw)}`);
      return dims;
    }
    default:
      throw new UsageError(`${flag} takes no value`);
  }
}

/** Parse argv (the arguments after the subcommand) against a command's flags. `help` and `debug` are always known. */
export function parseFlags(cmd: Command, argv: readonly string[]): { values: FlagValues; given: Set<string> } {
  const byName = new Map(cmd.flags.map((f) => [f.name, f]));
  const values: FlagValues = {};
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      values.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`unexpected argument ${quote(arg)} (flags start with --; see amsunet ${cmd.name} --help)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === 'help' || name === 'debug') {
      values[name] = true;
      continue;
    }
    const f = byName.get(name);
    if (!f) {
      const near = cmd.flags.map((g) => g.name).filter((n) => editDistance(n, name) <= 2 || n.startsWith(name));
      throw new UsageError(`unknown flag --${bare(name)}${near.length ? ` (did you mean --${near[0]}?)` : ''}; see amsunet ${cmd.name} --help`);
    }
    let value: string | number | boolean | [number, number];
    if (f.type === 'bool') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value, got ${quote(arg.slice(eq + 1))}`);
      value = true;
    } else {
      let raw: string | undefined;
      if (eq >= 0) raw = arg.slice(eq + 1);
      else {
        raw = argv[i + 1];
        if (raw === undefined || (raw.startsWith('--') && raw.length > 2)) throw new UsageError(`--${name} needs a value (${f.metavar ?? f.type})`);
        i++;
      }
      value = convert(f, raw);
    }
    values[camel(name)] = value;
    given.add(name);
  }
  return { values, given };
}

/** The --help text of a command. */
export function formatHelp(cmd: Command): string {
  const rows = cmd.flags.map((f) => {
    const meta = f.type === 'bool' ? '' : ` ${f.metavar ?? (f.type === 'choice' ? f.choices!.join('|') : f.type === 'dims' ? 'HxW' : f.type === 'string' ? 'VALUE' : 'N')}`;
    return [`  --${f.name}${meta}`, f.help + (f.default !== undefined ? ` (default ${f.default})` : '')];
  });
  rows.push(['  --debug', 'show the stack trace of errors'], ['  -h, --help', 'show this help']);
  const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  const lines = rows.map(([a, b]) => (a.length + 2 > w ? `${a}\n${' '.repeat(w)}${b}` : a.padEnd(w) + b));
  return [
    `amsunet ${cmd.name}: ${cmd.summary}`,
    '',
    `Usage: ${cmd.usage}`,
    ...(cmd.details ? ['', cmd.details] : []),
    '',
    'Flags:',
    ...lines,
    ...(cmd.examples.length ? ['', 'Examples:', ...cmd.examples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}
