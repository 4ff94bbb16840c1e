/**
 * Convolutions with a frozen input (x does not require grad: every network's first layer): the weight and bias
 * gradients take the path where backward skips the input gradient, so they are checked on that path explicitly,
 * over fast-check geometry (dense, grouped, depth-wise, strided, dilated, 'same'/'valid', every padding mode).
 */
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { conv2d, convTranspose2d, gradcheck, Tensor } from '../../src/index.js';
import { convGeometry, convInputs, normal } from '../opdb.js';

describe('frozen-input convolutions', () => {
  test('conv2d: weight and bias gradients with x frozen pass float64 gradcheck (full and fast mode)', () => {
    fc.assert(
      fc.property(convGeometry, fc.boolean(), (c, fast) => {
        const inputs = convInputs({ ...c, bias: true });
        gradcheck((x, w, b) => conv2d(x, w, b, c.options), inputs, { wrt: [1, 2], fast, names: ['input', 'weight', 'bias'], seed: c.seed });
      }),
      { numRuns: 40, seed: 0xf0e },
    );
  });

  test('convTranspose2d: weight gradient with x frozen (stride 2, dilation 2, output padding, groups)', () => {
    for (const [groups, stride, dilation, outputPadding] of [[1, 2, 1, 1], [2, 1, 2, 1], [1, 3, 2, 2]]) {
      const x: Tensor = normal([2, 2 * groups, 3, 4], 1);
      const w = normal([2 * groups, 3, 3, 2], 2);
      const b = normal([3 * groups], 3);
      gradcheck((a, k, c) => convTranspose2d(a, k, c, { stride, dilation, outputPadding, groups, padding: 1 }), [x, w, b], { wrt: [1, 2] });
    }
  });
});
