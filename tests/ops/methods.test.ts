import { describe, expect, test } from 'vitest';
import * as api from '../../src/index.js';
import { Tensor } from '../../src/index.js';
import { rnd } from '../helpers/random.js';

/** [method, args after `this`] — each fluent method must equal the functional op called with the tensor first. */
const x = rnd([2, 3, 4], 'float64', 1).exp();
const y = rnd([2, 3, 4], 'float64', 2);
const CASES: [string, unknown[], ((...a: never[]) => Tensor) | null][] = [
  ['add', [y], api.add], ['sub', [2], api.sub], ['mul', [y], api.mul], ['div', [3], api.div], ['pow', [1.5], api.pow],
  ['maximum', [y], api.maximum], ['minimum', [0], api.minimum],
  ['neg', [], api.neg], ['exp', [], api.exp], ['log', [], api.log], ['sqrt', [], api.sqrt], ['abs', [], api.abs],
  ['square', [], api.square], ['reciprocal', [], api.reciprocal],
  ['eq', [y], api.eq], ['ne', [y], api.ne], ['lt', [y], api.lt], ['le', [y], api.le], ['gt', [y], api.gt], ['ge', [1], api.ge],
  ['sum', [1, { keepdim: true }], api.sum], ['mean', [[0, 2]], api.mean], ['max', [-1], api.max], ['min', [], api.min],
  ['argmax', [1], api.argmax],
  ['reshape', [[6, -1]], api.reshape], ['view', [[-1]], api.view], ['flatten', [1], api.flatten], ['squeeze', [], api.squeeze],
  ['unsqueeze', [1], api.unsqueeze], ['permute', [[2, 0, 1]], api.permute], ['transpose', [0, 2], api.transpose],
  ['expand', [[5, 2, 3, 4]], api.expand], ['slice', [2, 1, 4, 2], api.slice], ['narrow', [1, 1, 2], api.narrow],
  ['matmul', [rnd([4, 5], 'float64', 3)], api.matmul], ['softmax', [1], api.softmax], ['logSoftmax', [-1], api.logSoftmax],
  ['clone', [], api.clone], ['detach', [], api.detach], ['cast', ['float32'], api.cast], ['to', ['int32'], api.cast],
];

describe('fluent Tensor methods (installed by importing src/index.ts)', () => {
  test.each(CASES)('x.%s(...) equals the functional op', (name, args, fn) => {
    const method = (x as unknown as Record<string, (...a: unknown[]) => Tensor>)[name];
    expect(typeof method).toBe('function');
    const got = method.apply(x, args);
    const want = (fn as unknown as (...a: unknown[]) => Tensor)(x, ...args);
    expect(got.shape).toEqual(want.shape);
    expect(got.dtype).toBe(want.dtype);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });

  test('methods chain and record gradients', () => {
    const w = rnd([4, 2], 'float64', 4).requiresGrad_();
    const loss = x.matmul(w).softmax(-1).log().neg().mean();
    loss.backward();
    expect(w.grad!.shape).toEqual([4, 2]);
    expect(Array.from(w.grad!.data).every(Number.isFinite)).toBe(true);
  });
});
