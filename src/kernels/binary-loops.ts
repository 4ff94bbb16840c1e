/**
 * Loops of the binary ops defined by a scalar function (pow and the comparisons; ops/binary.ts and
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
    vs: (o, a, v) => {
      // x ** 2 is x·x in V8 (one correctly rounded product; the test holds it to the function) at a fraction of the cost
      if (v === 2) for (let i = 0; i < o.length; i++) o[i] = a[i] * a[i];
      else for (let i = 0; i < o.length; i++) o[i] = a[i] ** v;
    },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = u ** b[i]; },
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
  // the local derivatives of pow, maximum and minimum (binaryDerivatives in ops/binary.ts), for their gradients
  powGradA: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = b[i] === 0 ? 0 : b[i] * a[i] ** (b[i] - 1); },
    vs: (o, a, v) => {
      if (v === 2) for (let i = 0; i < o.length; i++) o[i] = 2 * a[i]; // 2·x ** 1 = 2·x exactly
      else for (let i = 0; i < o.length; i++) o[i] = v === 0 ? 0 : v * a[i] ** (v - 1);
    },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = b[i] === 0 ? 0 : b[i] * u ** (b[i] - 1); },
  },
  powGradB: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i] === 0 && b[i] >= 0 ? 0 : a[i] ** b[i] * Math.log(a[i]); },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = a[i] === 0 && v >= 0 ? 0 : a[i] ** v * Math.log(a[i]); },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = u === 0 && b[i] >= 0 ? 0 : u ** b[i] * Math.log(u); },
  },
  maximumGradA: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i] > b[i] ? 1 : a[i] === b[i] ? 0.5 : 0; },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = a[i] > v ? 1 : a[i] === v ? 0.5 : 0; },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = u > b[i] ? 1 : u === b[i] ? 0.5 : 0; },
  },
  maximumGradB: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = b[i] > a[i] ? 1 : a[i] === b[i] ? 0.5 : 0; },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = v > a[i] ? 1 : a[i] === v ? 0.5 : 0; },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = b[i] > u ? 1 : u === b[i] ? 0.5 : 0; },
  },
  minimumGradA: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = a[i] < b[i] ? 1 : a[i] === b[i] ? 0.5 : 0; },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = a[i] < v ? 1 : a[i] === v ? 0.5 : 0; },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = u < b[i] ? 1 : u === b[i] ? 0.5 : 0; },
  },
  minimumGradB: {
    vv: (o, a, b) => { for (let i = 0; i < o.length; i++) o[i] = b[i] < a[i] ? 1 : a[i] === b[i] ? 0.5 : 0; },
    vs: (o, a, v) => { for (let i = 0; i < o.length; i++) o[i] = v < a[i] ? 1 : a[i] === v ? 0.5 : 0; },
    sv: (o, u, b) => { for (let i = 0; i < o.length; i++) o[i] = b[i] < u ? 1 : u === b[i] ? 0.5 : 0; },
  },
} as const satisfies Record<string, BinaryLoops>;

export type BinaryLoopName = keyof typeof binaryLoops;
