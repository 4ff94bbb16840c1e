/** PyTorch 2.13 fixtures for conv2d and convTranspose2d: every tests/golden/ops/conv_*, convT_* file, found by listing. */
import { describe, expect, test } from 'vitest';
import { conv2d, convTranspose2d, backward, Tensor } from '../../src/index.js';
import { loadGolden, goldenFiles } from '../golden.js';
import { maxRelErr } from '../helpers/close.js';

const files = goldenFiles('ops').filter((f) => f.startsWith('conv_') || f.startsWith('convT_'));

/** Leaves that require grad, copied from the fixture tensors. */
const leaf = (t: Tensor): Tensor => new Tensor(t.data.slice(), t.shape).requiresGrad_(true);

describe('conv golden fixtures (float64, ≤ 1e-10 relative error)', () => {
  test('the fixture set is there', () => {
    expect(files.filter((f) => f.startsWith('conv_')).length).toBeGreaterThanOrEqual(15);
    expect(files.some((f) => f.startsWith('convT_'))).toBe(true);
  });

  test.each(files)('%s', (file) => {
    const g = loadGolden(`ops/${file}`);
    const a = g.attrs;
    const x = leaf(g.get('x'));
    const w = leaf(g.get('weight'));
    const b = a.bias === true ? leaf(g.get('bias')) : null;
    expect(x.dtype).toBe('float64');
    const common = {
      stride: a.stride as [number, number],
      padding: a.padding as [number, number],
      dilation: a.dilation as [number, number],
      groups: a.groups as number,
    };
    let y: Tensor;
    if (a.op === 'conv2d') {
      y = conv2d(x, w, b, { ...common, paddingMode: a.padding_mode as 'zeros' });
    } else {
      expect(a.op).toBe('conv_transpose2d');
      expect(a.padding_mode).toBe('zeros');
      y = convTranspose2d(x, w, b, { ...common, outputPadding: a.output_padding as [number, number] });
    }
    expect(y.shape).toEqual(g.get('y').shape);
    expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(1e-10);
    backward(y, g.get('gy'));
    expect(maxRelErr(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(1e-10);
    expect(maxRelErr(w.grad!.data, g.get('gw').data)).toBeLessThanOrEqual(1e-10);
    if (b) expect(maxRelErr(b.grad!.data, g.get('gb').data)).toBeLessThanOrEqual(1e-10);
  });
});
