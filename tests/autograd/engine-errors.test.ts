/**
 * The engine's own checks and its handling of a missing gradient (src/autograd/engine.ts): each error names what
 * is wrong and the shapes, and an op whose backward returns no gradient for an input leaves that input's .grad
 * unset. Written to kill the mutants of engine.ts the other suites let through (README, "Mutation score").
 */
import { expect, test } from 'vitest';
import { tensor, mul, sum, record, backward, Tensor } from '../../src/index.js';

test('backward of a tensor that does not require grad is an error naming it and its shape', () => {
  const x = tensor([1, 2], [2]);
  expect(() => backward(x)).toThrow(
    'backward: this tensor does not require grad and has no gradFn (did any input have requiresGrad?); tensor [2]',
  );
});

test('a seed gradient of the wrong shape is an error with both shapes', () => {
  const y = mul(tensor([1, 2], [2], { requiresGrad: true }), 2);
  expect(() => y.backward(tensor([1, 1, 1], [3]))).toThrow('backward: gradient shape must equal output shape; grad [3], output [2]');
});

test("an op's backward returning a gradient of the wrong shape is an error naming the op, the input and both shapes", () => {
  const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
  const y = record('rowsum', [x], new Tensor(Float32Array.from(x.data), x.shape), (gy) => [sum(gy, 0)]);
  expect(() => y.backward(tensor([1, 1, 1, 1, 1, 1], [2, 3]))).toThrow("backward of 'rowsum': gradient for input 0 has shape [3], input has [2, 3]");
});

test('running backward twice names the freed op and the shape of its output', () => {
  const y = sum(mul(tensor([1, 2], [2], { requiresGrad: true }), 3));
  y.backward();
  expect(() => y.backward()).toThrow("backward: the graph through 'sum' was already freed; call backward with { retainGraph: true } to run it twice; tensor []");
});

test('a backward that returns no gradient for an input leaves its .grad unset, and its inputs are not visited', () => {
  const a = tensor([1, 2], [2], { requiresGrad: true });
  const b = tensor([3, 4], [2], { requiresGrad: true });
  const a2 = mul(a, 2); // a node whose only consumer gives it no gradient: its backward must not run
  const y = record('firstOnly', [a2, b], mul(a2.detach(), b.detach()), (gy) => [null, mul(gy, a2.detach())]);
  sum(y).backward();
  expect(a.grad).toBeNull();
  expect(a2.gradFn!.backward).not.toBeNull(); // never called, so never dropped
  expect(Array.from(b.grad!.data)).toEqual([2, 4]);
});

test('a gradient a backward returns for an input that needs none (frozen, or a null slot) is neither checked nor used', () => {
  const x = tensor([1, 2], [2], { requiresGrad: true });
  const frozen = tensor([3, 4], [2]);
  // the closure ignores `needs`: a gradient of the wrong shape for the frozen input, one for the null slot
  const y = record('loose', [x, frozen, null], mul(x.detach(), frozen), (gy) => [mul(gy, frozen), tensor([9, 9, 9], [3]), tensor([9], [1])]);
  sum(y).backward();
  expect(Array.from(x.grad!.data)).toEqual([3, 4]);
  expect(frozen.grad).toBeNull();
});
