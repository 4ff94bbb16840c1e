/**
 * convTranspose2d: PyTorch's ConvTranspose2d, the adjoint of conv2d's input map.
 *
 * Let A_w be the conv2d (same weight, stride, padding, dilation, groups) that maps a tensor shaped like this op's
 * output [N, Cout, H_out, W_out] to one shaped like its input [N, Cin, H, W]; weight [Cin, Cout/groups, kH, kW] is
 * exactly that conv's [Cout', Cin'/groups, kH, kW] layout. Then
 *   y  = A_wᵀ x + b       (conv2d's input-gradient kernel: x is scattered through the kernel),
 * and with L = ⟨y, gy⟩ = ⟨x, A_w gy⟩ + ⟨b, Σ gy⟩:
 *   gx = A_w gy           (conv2d's forward kernel on gy),
 *   gw = conv2d's weight gradient with gy in the role of the conv input and x in the role of its output gradient,
 *   gb[c] = Σ_{n,h,w} gy[n,c,h,w].
 * Output padding adds rows/columns at the bottom/right that A_w never reads, so they hold only the bias.
 *
 * Shape: x [N, Cin, H, W], weight [Cin, Cout/groups, kH, kW], bias [Cout] → y [N, Cout, H_out, W_out],
 *        H_out = (H − 1)·sH − 2·pH + dH·(kH − 1) + outputPaddingH + 1.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';
import { addChannelBias } from '../kernels/conv2d.js';
import { record } from '../autograd/record.js';
import { convTranspose2dGeometry, checkConvDtypes, type ConvTranspose2dOptions } from './conv-geometry.js';
import { convForward, convInputGrad, convWeightGrad, convBiasGrad } from './conv2d.js';

export type { ConvTranspose2dOptions } from './conv-geometry.js';

/** Transposed 2-D convolution of x [N, Cin, H, W] with weight [Cin, Cout/groups, kH, kW] and an optional bias [Cout]. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTranspose2dOptions = {}): Tensor {
  checkConvDtypes('convTranspose2d', x.dtype, weight.dtype, bias ? bias.dtype : null);
  const { geom: g, outShape } = convTranspose2dGeometry(x.shape, weight.shape, bias ? bias.shape : null, options);
  const [N, Cout, Ho, Wo] = outShape;
  const y = convInputGrad(x.data, weight.data, g, outShape, x.dtype);
  if (bias) addChannelBias(y.data as FloatArray, bias.data, Cout, Ho * Wo, 0, N * Cout);
  return record('convTranspose2d', [x, weight, bias], y, (gy, needs) => [
    needs[0] ? convForward(gy.data, weight.data, null, g, x.shape, x.dtype) : null,
    needs[1] ? convWeightGrad(x.data, gy.data, g, weight.shape, x.dtype) : null,
    needs[2] ? convBiasGrad(gy.data, N, Cout, Ho * Wo, x.dtype) : null,
  ], [x, weight, bias]);
}
