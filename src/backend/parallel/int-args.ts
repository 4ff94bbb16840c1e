/**
 * A pooled kernel's sizes as small integers. The pool hands every kernel its args in a Float64Array, so a size read
 * from it is a double to V8, and a js loop indexing arrays with arithmetic on such doubles does double arithmetic and
 * a conversion on every access: adaptive pooling's sum loop ran 1.6x slower on its pooled args than on the op's own
 * integers. `ints(args, at, n)` = args[at, at + n) truncated to int32 (they are integers already).
 */
export function ints(args: Float64Array, at: number, n: number): number[] {
  const out: number[] = [];
  for (let i = at; i < at + n; i++) out.push(args[i] | 0);
  return out;
}
