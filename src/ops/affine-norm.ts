/**
 * The graph node of a normalisation with an element-wise affine map (groupNorm, layerNorm): y from x, weight γ and
 * bias β, whose backward gives gx, gγ, gβ in one kernel call. γ is copied as it is when the op is recorded (an
 * optimizer may update the weight before the backward runs); the kernel gets arrays only for the gradients needed.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, allocUninit, type FloatArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { record } from '../autograd/record.js';

/** backward(gx, gγ, gβ, gy, x, γ at the forward): fills the non-null gradients (gx every element). */
export type AffineNormBackward = (gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray,
  w0: FloatArray | null) => void;

/** Record y = op(x; γ, β) with γ, β of shape paramShape (or null). */
export function recordAffineNorm(op: string, x: Tensor, weight: Tensor | null, bias: Tensor | null, y: FloatArray, paramShape: Shape,
  backward: AffineNormBackward): Tensor {
  const w0 = weight ? (weight.data as FloatArray).slice() : null;
  const n = weight?.size ?? bias?.size ?? 0;
  return record(op, [x, weight, bias], new Tensor(y, x.shape), (gy, needs) => {
    const gx = needs[0] ? (allocUninit(x.dtype, x.size) as FloatArray) : null; // every element written
    const gw = needs[1] ? (allocArray(x.dtype, n) as FloatArray) : null;
    const gb = needs[2] ? (allocArray(x.dtype, n) as FloatArray) : null;
    // x.data read now, not the forward's array: a remade x (autograd/lifetimes.ts) has new data
    backward(gx, gw, gb, gy.data as FloatArray, x.data as FloatArray, w0);
    return [gx && new Tensor(gx, x.shape), gw && new Tensor(gw, paramShape), gb && new Tensor(gb, paramShape)];
  }, [x]);
}
