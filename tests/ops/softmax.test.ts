import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { softmax, logSoftmax, gradcheck, tensor, Tensor } from '../../src/index.js';
import { loadGolden } from '../golden.js';
import { dtypeArb, ravel, seedArb, shapeArb, unravel } from './core-util.js';
import { maxRelErr, expectClose } from '../helpers/close.js';
import { rnd } from '../helpers/random.js';

/** Naive softmax along axis from the definition, with the max subtracted (as any stable reference must). */
function naiveSoftmax(x: Tensor, axis: number, log: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.size; i++) {
    const idx = unravel(i, x.shape);
    const lane: number[] = [];
    for (let d = 0; d < (x.ndim ? x.shape[axis] : 1); d++) {
      if (x.ndim) idx[axis] = d;
      lane.push(x.data[ravel(idx, x.shape)]);
    }
    const m = Math.max(...lane);
    const s = lane.reduce((acc, v) => acc + Math.exp(v - m), 0);
    out.push(log ? x.data[i] - m - Math.log(s) : Math.exp(x.data[i] - m) / s);
  }
  return out;
}

const caseArb = fc.tuple(shapeArb(4, 4), fc.nat(), fc.boolean()).map(([shape, a, negative]) => {
  const axis = shape.length ? a % shape.length : 0;
  return { shape, axis: negative && shape.length ? axis - shape.length : axis, pos: axis };
});

describe.each([
  ['softmax', softmax, false],
  ['logSoftmax', logSoftmax, true],
] as const)('%s', (name, op, log) => {
  test('forward matches a naive loop over random shapes and axes (float32, float64, 0-d)', () => {
    fc.assert(
      fc.property(caseArb, dtypeArb, seedArb, ({ shape, axis, pos }, dtype, seed) => {
        const x = rnd(shape, dtype, seed).mul(3);
        const y = op(x, axis);
        expect(y.shape).toEqual(shape);
        expect(y.dtype).toBe(dtype);
        expectClose(y.data, naiveSoftmax(x, pos, log), dtype === 'float32' ? 1e-6 : 1e-14);
      }),
      { numRuns: 80, seed: 71 },
    );
  });

  test('float64 gradcheck', () => {
    fc.assert(
      fc.property(caseArb, seedArb, ({ shape, axis }, seed) => {
        gradcheck((u) => op(u, axis), [rnd(shape, 'float64', seed)], { name });
      }),
      { numRuns: 30, seed: 72 },
    );
  });

  test('numerically stable: huge logits give finite, correct values', () => {
    const x = tensor([1000, 1001, 1002, -1000], [4], { dtype: 'float32' });
    const y = op(x, 0);
    expect(Array.from(y.data).every(Number.isFinite)).toBe(true);
    expectClose(y.data, naiveSoftmax(tensor([0, 1, 2, -2000], [4], { dtype: 'float64' }), 0, log), 1e-6);
  });

  test('errors: int32 input and bad axis', () => {
    expect(() => op(tensor([1, 2], [2], { dtype: 'int32' }), 0)).toThrow(`${name}: expects a float tensor, got int32; input [2]`);
    expect(() => op(rnd([2, 3]), 2)).toThrow(`${name}: axis 2 is out of range for a tensor of rank 2`);
  });
});

test('softmax matches the PyTorch fixture softmax_dim1 (float64, forward and gradient)', () => {
  const g = loadGolden('ops/softmax_dim1.safetensors');
  const x = g.get('x').requiresGrad_();
  const y = softmax(x, 1);
  expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(1e-10);
  y.backward(g.get('gy'));
  expect(maxRelErr(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(1e-10);
});

test('logSoftmax = log(softmax) and its gradient agrees with the composed form', () => {
  const x = rnd([3, 5], 'float64', 9);
  expectClose(logSoftmax(x, 1).data, Array.from(softmax(x, 1).data, Math.log), 1e-14);
  const gy = rnd([3, 5], 'float64', 10);
  const a = x.clone().detach().requiresGrad_();
  logSoftmax(a, 1).backward(gy);
  const b = x.clone().detach().requiresGrad_();
  softmax(b, 1).log().backward(gy);
  expectClose(a.grad!.data, b.grad!.data, 1e-13);
});
