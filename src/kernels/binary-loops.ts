/**
 * Loops of the binary ops defined by a scalar function (pow, maximum, minimum and the comparisons; ops/binary.ts and
 * ops/compare.ts hold the functions, which stay the definition), for the two layouts that need no broadcast
 * odometer: the same shapes (vv) and one operand a single value (vs: b is the value v; sv: a is the value u). The
 * general broadcast calls the op's function once per element from one shared loop, which V8 then calls
 * indirectly (70-90 ms for 4 M elements); one literal per op and layout is called directly. A comparison stores
 * +(u < v) rather than u < v ? 1 : 0, which V8 compiles to a branch (mispredicted on random data: 96 ms against 39).
 * tests/kernels/binary-loops.test.ts holds every loop to its function bit for bit.
 */
import type { TypedArray } from '../tensor/dtype.js';

export interface BinaryLoops {
  vv(out: TypedArray, a: TypedArray, b: TypedArray): void;
  vs(out: TypedArray, a: TypedArray, v: number): void;
  sv(out: TypedArray, u: number, b: TypedArray): void;
}

export const binaryLoops = {
  pow: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i] ** b[i]; },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = a[i] ** v; },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = u ** b[i]; },
  },
  maximum: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = Math.max(a[i], b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = Math.max(a[i], v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = Math.max(u, b[i]); },
  },
  minimum: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = Math.min(a[i], b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = Math.min(a[i], v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = Math.min(u, b[i]); },
  },
  eq: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] === b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] === v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = +(u === b[i]); },
  },
  ne: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] !== b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] !== v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = +(u !== b[i]); },
  },
  lt: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] < b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] < v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = +(u < b[i]); },
  },
  le: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] <= b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] <= v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = +(u <= b[i]); },
  },
  gt: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] > b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] > v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = +(u > b[i]); },
  },
  ge: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] >= b[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = +(a[i] >= v); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = +(u >= b[i]); },
  },
} as const satisfies Record<string, BinaryLoops>;

export type BinaryLoopName = keyof typeof binaryLoops;
