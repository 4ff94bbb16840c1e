/**
 * Fluent methods on Tensor (x.add(y).sum(1)), installed by importing this module for its side effect
 * (ops/index.ts does). Each method is the functional op with `this` as the first argument.
 */
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { add, sub, mul, div, neg, pow, maximum, minimum } from './binary.js';
import { exp, log, sqrt, abs, square, reciprocal } from './unary.js';
import { eq, ne, lt, le, gt, ge } from './compare.js';
import { type Axes, type ReduceOptions, sum, mean, max, min, argmax } from './reduce.js';
import { reshape, view, flatten, squeeze, unsqueeze, expand } from './shape.js';
import { permute, transpose } from './permute.js';
import { slice, narrow } from './slice.js';
import { matmul } from './matmul.js';
import { softmax, logSoftmax } from './softmax.js';
import { clone, detach, cast } from './copy.js';

type Operand = Tensor | number;

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(other: Operand): Tensor;
    sub(other: Operand): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand): Tensor;
    pow(exponent: Operand): Tensor;
    maximum(other: Operand): Tensor;
    minimum(other: Operand): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    eq(other: Operand): Tensor;
    ne(other: Operand): Tensor;
    lt(other: Operand): Tensor;
    le(other: Operand): Tensor;
    gt(other: Operand): Tensor;
    ge(other: Operand): Tensor;
    sum(axis?: Axes, options?: ReduceOptions): Tensor;
    mean(axis?: Axes, options?: ReduceOptions): Tensor;
    max(axis?: Axes, options?: ReduceOptions): Tensor;
    min(axis?: Axes, options?: ReduceOptions): Tensor;
    argmax(axis?: number, options?: ReduceOptions): Tensor;
    reshape(shape: Shape): Tensor;
    view(shape: Shape): Tensor;
    flatten(start?: number, end?: number): Tensor;
    squeeze(axis?: number | readonly number[]): Tensor;
    unsqueeze(axis: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    expand(shape: Shape): Tensor;
    slice(axis: number, start: number, end?: number, step?: number): Tensor;
    narrow(axis: number, start: number, length: number): Tensor;
    matmul(other: Tensor): Tensor;
    softmax(axis: number): Tensor;
    logSoftmax(axis: number): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    cast(dtype: DType): Tensor;
    /** Same as cast (PyTorch's .to(dtype)). */
    to(dtype: DType): Tensor;
  }
}

const p = Tensor.prototype;
p.add = function (o) { return add(this, o); };
p.sub = function (o) { return sub(this, o); };
p.mul = function (o) { return mul(this, o); };
p.div = function (o) { return div(this, o); };
p.pow = function (o) { return pow(this, o); };
p.maximum = function (o) { return maximum(this, o); };
p.minimum = function (o) { return minimum(this, o); };
p.neg = function () { return neg(this); };
p.exp = function () { return exp(this); };
p.log = function () { return log(this); };
p.sqrt = function () { return sqrt(this); };
p.abs = function () { return abs(this); };
p.square = function () { return square(this); };
p.reciprocal = function () { return reciprocal(this); };
p.eq = function (o) { return eq(this, o); };
p.ne = function (o) { return ne(this, o); };
p.lt = function (o) { return lt(this, o); };
p.le = function (o) { return le(this, o); };
p.gt = function (o) { return gt(this, o); };
p.ge = function (o) { return ge(this, o); };
p.sum = function (axis, options) { return sum(this, axis, options); };
p.mean = function (axis, options) { return mean(this, axis, options); };
p.max = function (axis, options) { return max(this, axis, options); };
p.min = function (axis, options) { return min(this, axis, options); };
p.argmax = function (axis, options) { return argmax(this, axis, options); };
p.reshape = function (shape) { return reshape(this, shape); };
p.view = function (shape) { return view(this, shape); };
p.flatten = function (start, end) { return flatten(this, start, end); };
p.squeeze = function (axis) { return squeeze(this, axis); };
p.unsqueeze = function (axis) { return unsqueeze(this, axis); };
p.permute = function (dims) { return permute(this, dims); };
p.transpose = function (d0, d1) { return transpose(this, d0, d1); };
p.expand = function (shape) { return expand(this, shape); };
p.slice = function (axis, start, end, step) { return slice(this, axis, start, end, step); };
p.narrow = function (axis, start, length) { return narrow(this, axis, start, length); };
p.matmul = function (o) { return matmul(this, o); };
p.softmax = function (axis) { return softmax(this, axis); };
p.logSoftmax = function (axis) { return logSoftmax(this, axis); };
p.clone = function () { return clone(this); };
p.detach = function () { return detach(this); };
p.cast = function (dtype) { return cast(this, dtype); };
p.to = function (dtype) { return cast(this, dtype); };
