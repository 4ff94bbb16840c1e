/**
 * conv2d: PyTorch's Conv2d forward (cross-correlation, NCHW) with its three gradients.
 *
 * Forward:  y[n,co,oh,ow] = b[co] + Σ_{ci,kh,kw} x[n, ci0+ci, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW] · w[co,ci,kh,kw]
 * The map x ↦ y (bias aside) is linear, y = A_w x, so with L = ⟨y, gy⟩:
 *   gx = A_wᵀ gy          a transposed convolution: every gy[n,co,oh,ow]·w[co,ci,kh,kw] is scattered back to the
 *                         input position x[n, ci0+ci, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW] it was read from;
 *   gw[co,ci,kh,kw] = Σ_{n,oh,ow} gy[n,co,oh,ow] · x[n, ci0+ci, ih, iw]   (the same correlation, with x and gy);
 *   gb[co] = Σ_{n,oh,ow} gy[n,co,oh,ow].
 * A non-zeros paddingMode pads the input with pad() first and convolves without padding (PyTorch's Conv2d), so the
 * gradient reaches x through pad's own backward (a scatter-add of the reflected / replicated / wrapped positions).
 *
 * Shape: x [N, Cin, H, W], weight [Cout, Cin/groups, kH, kW], bias [Cout] → y [N, Cout, H_out, W_out],
 *        H_out = floor((H + 2·pH − dH·(kH − 1) − 1) / sH) + 1.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, allocUninit, type DType, type FloatArray } from '../tensor/dtype.js';
import { numel, type Shape } from '../tensor/shape.js';
import type { ConvGeom } from '../kernels/conv2d.js';
import { conv2dForward, conv2dForwardGelu, conv2dBackwardInput, conv2dBackwardWeight, channelSum } from '../backend/dispatch/conv2d.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { gelu } from './activations.js';
import { record } from '../autograd/record.js';
import { conv2dGeometry, checkConvDtypes, type Conv2dOptions } from './conv-geometry.js';
import { pad } from './pad.js';

export type { Conv2dOptions, PaddingMode } from './conv-geometry.js';

/** 2-D convolution of x [N, Cin, H, W] with weight [Cout, Cin/groups, kH, kW] and an optional bias [Cout]. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const { plan, input } = convPlan(x, weight, bias, options);
  const g = plan.geom;
  const y = convForward(input.data, weight.data, bias ? bias.data : null, g, plan.outShape, x.dtype);
  return record('conv2d', [input, weight, bias], y, (gy, needs, recycling) => {
    const grads = [
      needs[0] ? convInputGrad(gy.data, weight.data, g, input.shape, x.dtype) : null,
      needs[1] ? convWeightGrad(gy.data, input.data, g, weight.shape, x.dtype) : null,
      needs[2] ? convBiasGrad(gy.data, g.N, g.Cout, g.oH * g.oW, x.dtype) : null,
    ];
    if (recycling && input !== x) input.release(); // the padded copy is ours alone (a graph node only if x needs grad)
    return grads;
  }, [input, weight, bias]);
}

/**
 * gelu(conv2d(x, weight, bias)) with the exact GELU, for inference: where the backend can, the GELU runs on each
 * output plane as soon as it is done (a depth-wise conv on the wasm backend; dispatch/conv2d.ts conv2dForwardGelu),
 * so the output makes one trip through memory instead of two. The same bits as the two ops (the same kernels on the
 * same values). Records no graph: when gradients are on and an input requires grad, it is the two ops.
 */
export function conv2dGelu(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  if (isGradEnabled() && (x.requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false))) return gelu(conv2d(x, weight, bias, options));
  const { plan, input } = convPlan(x, weight, bias, options);
  const y = allocUninit(x.dtype, numel(plan.outShape)) as FloatArray; // every element written
  conv2dForwardGelu(y, input.data, weight.data, bias ? bias.data : null, plan.geom);
  if (input !== x) input.release();
  return new Tensor(y, plan.outShape);
}

/** Checked geometry of conv2d(x, weight, bias), and its input: x, or x padded first for a non-zeros padding mode. */
function convPlan(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): { plan: ReturnType<typeof conv2dGeometry>; input: Tensor } {
  checkConvDtypes('conv2d', x.dtype, weight.dtype, bias ? bias.dtype : null);
  const plan = conv2dGeometry(x.shape, weight.shape, bias ? bias.shape : null, options);
  return { plan, input: plan.prePad && plan.mode !== 'zeros' ? pad(x, plan.prePad, { mode: plan.mode }) : x };
}

/* Kernel runners shared with convTranspose2d (which calls them with the roles of x and gy exchanged). */

/** y = conv(x, w) + b over geometry g, as a new tensor of shape outShape = [N, Cout, oH, oW]. */
export function convForward(x: Tensor['data'], w: Tensor['data'], b: Tensor['data'] | null, g: ConvGeom, outShape: Shape, dtype: DType): Tensor {
  const y = allocUninit(dtype, numel(outShape)) as FloatArray; // every element written (GEMM overwrite, direct kernels)
  conv2dForward(y, x, w, b, g);
  return new Tensor(y, outShape);
}

/** gx = A_wᵀ gy: the transposed convolution of gy, shape xShape = [N, Cin, H, W]. */
export function convInputGrad(gy: Tensor['data'], w: Tensor['data'], g: ConvGeom, xShape: Shape, dtype: DType): Tensor {
  const gx = allocUninit(dtype, numel(xShape)) as FloatArray; // every element written (GEMM overwrite, col2im zero-fills, direct kernels)
  conv2dBackwardInput(gx, gy, w, g);
  return new Tensor(gx, xShape);
}

/** gw[co,ci,kh,kw] = Σ_{n,oh,ow} gy[n,co,oh,ow]·x[n,ci0+ci,ih,iw], shape wShape. */
export function convWeightGrad(gy: Tensor['data'], x: Tensor['data'], g: ConvGeom, wShape: Shape, dtype: DType): Tensor {
  const gw = allocArray(dtype, numel(wShape)) as FloatArray;
  conv2dBackwardWeight(gw, gy, x, g);
  return new Tensor(gw, wShape);
}

/** gb[c] = Σ_{n,i} gy[n,c,i] over planes of `plane` elements. */
export function convBiasGrad(gy: Tensor['data'], N: number, C: number, plane: number, dtype: DType): Tensor {
  const gb = allocArray(dtype, C) as FloatArray;
  channelSum(gb, gy, N, C, plane);
  return new Tensor(gb, [C]);
}
