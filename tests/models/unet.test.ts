import { describe, expect, test } from 'vitest';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { sum } from '../../src/ops/index.js';
import { UNet } from '../../src/models/unet/unet.js';

/** Parameters of the classic U-Net, counted by hand: conv 3x3 without bias + BN (2 per channel) per DoubleConv half. */
function expectedParams(cin: number, classes: number, C: number, bilinear: boolean): number {
  const dc = (i: number, o: number, mid = o) => 9 * i * mid + 2 * mid + 9 * mid * o + 2 * o;
  const f = bilinear ? 2 : 1;
  let n = dc(cin, C) + dc(C, 2 * C) + dc(2 * C, 4 * C) + dc(4 * C, 8 * C) + dc(8 * C, (16 * C) / f);
  const up = (i: number, o: number) => (bilinear ? dc(i, o, i / 2) : 4 * i * (i / 2) + i / 2 + dc(i, o));
  n += up(16 * C, (8 * C) / f) + up(8 * C, (4 * C) / f) + up(4 * C, (2 * C) / f) + up(2 * C, C);
  return n + C * classes + classes;
}

describe('classic U-Net baseline', () => {
  test('module names follow the PyTorch unet.py (in_conv, down1..4 = [MaxPool, DoubleConv], up1..4, out_conv)', () => {
    const keys = [...new UNet({ inChannels: 3, numClasses: 2, baseC: 8 }).stateDict().keys()];
    expect(keys.slice(0, 6)).toEqual([
      'in_conv.0.weight', 'in_conv.1.weight', 'in_conv.1.bias', 'in_conv.1.running_mean', 'in_conv.1.running_var', 'in_conv.1.num_batches_tracked',
    ]);
    expect(keys).toContain('down1.1.0.weight');
    expect(keys).toContain('up1.conv.4.running_var');
    expect(keys.slice(-2)).toEqual(['out_conv.0.weight', 'out_conv.0.bias']);
  });

  test.each([true, false])('parameter count (bilinear %s) matches the layer-by-layer formula; 17.26M at the classic size', (bilinear) => {
    expect(new UNet({ inChannels: 3, numClasses: 2, baseC: 8, bilinear }).numParameters()).toBe(expectedParams(3, 2, 8, bilinear));
    if (bilinear) expect(new UNet({ inChannels: 3, numClasses: 2, baseC: 64 }).numParameters()).toBe(17_263_042);
  });

  test.each([true, false])('forward keeps odd spatial sizes and backpropagates (bilinear %s)', (bilinear) => {
    const m = new UNet({ inChannels: 1, numClasses: 3, baseC: 4, bilinear, generator: new Generator(3) });
    const x = randn([2, 1, 21, 35], { generator: new Generator(4), requiresGrad: true });
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 3, 21, 35]);
    sum(y).backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    expect(x.grad!.shape).toEqual(x.shape);
  });

  test('bad configurations and inputs are clear errors', () => {
    expect(() => new UNet({ baseC: 5 })).toThrow('UNet: baseC must be even with bilinear upsampling, got 5');
    expect(() => new UNet({ inChannels: 1, baseC: 4 }).forward(randn([1, 1, 8, 8]))).toThrow(
      'UNet: expected input [N, 1, H, W] with H, W ≥ 16 (four 2x2 pools); input [1, 1, 8, 8]',
    );
  });
});
