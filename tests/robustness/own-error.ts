/**
 * Fuzz helpers: run a reader on hostile bytes and insist that any failure is the project's own error class, with a
 * one-line message that starts with the file name, and that the reader neither hangs nor takes long.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ErrorClass = abstract new (...args: any[]) => Error;

export interface Outcome<T> {
  value?: T;
  error?: Error;
}

/** Throws (with the foreign error's stack, to debug it) unless fn returns or throws `cls` naming `file` in one line. */
export function ownErrorOrValue<T>(fn: () => T, cls: ErrorClass, file: string, budgetMs = 2000): Outcome<T> {
  const t0 = performance.now();
  let out: Outcome<T>;
  try {
    out = { value: fn() };
  } catch (e) {
    if (!(e instanceof cls)) {
      const f = e as Error | undefined;
      throw new Error(`expected ${cls.name} or success, got ${f?.name}: ${f?.message}\n${f?.stack ?? ''}`);
    }
    const err = e as Error;
    if (!err.message.startsWith(`${file}: `)) throw new Error(`message does not start with the file name "${file}: ": ${err.message}`);
    if (err.message.includes('\n')) throw new Error(`message is not one line: ${JSON.stringify(err.message)}`);
    if (/\bundefined\b|\[object Object\]/.test(err.message)) throw new Error(`message is not readable: ${err.message}`);
    out = { error: err };
  }
  const ms = performance.now() - t0;
  if (ms > budgetMs) throw new Error(`took ${ms.toFixed(0)} ms (budget ${budgetMs} ms)`);
  return out;
}

/** The same, but the call must fail. */
export function ownError(fn: () => unknown, cls: ErrorClass, file: string, budgetMs = 2000): Error {
  const out = ownErrorOrValue(fn, cls, file, budgetMs);
  if (!out.error) throw new Error(`expected ${cls.name} naming ${file}, but the call succeeded`);
  return out.error;
}

/** XOR byte flips at the given positions (positions past the end are ignored). */
export function flipBytes(bytes: Uint8Array, flips: [number, number][]): Uint8Array {
  const b = Uint8Array.from(bytes);
  for (const [i, x] of flips) if (i < b.length) b[i] ^= x;
  return b;
}
