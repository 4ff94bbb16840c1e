/**
 * interpolate: 2-D resampling of NCHW maps as F.interpolate, modes 'bilinear' and 'nearest' (PyTorch's legacy
 * 'nearest', i.e. floor(o·in/out), not 'nearest-exact').
 *
 * Output size: `size`, or floor(in·scaleFactor). As in PyTorch, a given scale factor (not recomputed) also sets the
 * coordinate ratio to 1/scaleFactor instead of in/out where alignCorners is false. Source coordinates:
 *   bilinear, alignCorners true:  src = o·(in − 1)/(out − 1)   (0 when out == 1)
 *   bilinear, alignCorners false: src = max((o + ½)·ratio − ½, 0)
 *   nearest:                      src = min(floor(o·ratio), in − 1)
 * Both are linear maps y = A·x, so the backward is gx = Aᵀ·gy: the same weights scatter-added (kernels/upsample2d.ts).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, allocUninit, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';
import * as K from '../kernels/upsample2d.js';
import { bilinear, bilinearBackward, nearest, nearestBackward } from '../backend/dispatch/upsample2d.js';

export interface InterpolateOptions {
  /** Output [H, W] (a number means both). Exactly one of size and scaleFactor. */
  size?: number | readonly [number, number];
  /** Multiplier for [H, W] (a number means both); the output is floor(in·scale). */
  scaleFactor?: number | readonly [number, number];
  /** 'nearest' (default, as PyTorch) or 'bilinear'. */
  mode?: 'bilinear' | 'nearest';
  /** Bilinear only: align the corner pixel centres (default false). Setting it with 'nearest' is an error, as in PyTorch. */
  alignCorners?: boolean;
}

const OP = 'interpolate';

function pair(name: string, v: number | readonly [number, number]): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (!Array.isArray(v) || v.length !== 2) throw new ConfigError(OP, `${name} must be a number or an [h, w] pair, got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

/**
 * Resize the last two dims of x. Shape: x [N, C, H, W] → [N, C, oH, oW].
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const mode = options.mode ?? 'nearest';
  if (x.ndim !== 4) throw new ShapeError(OP, `expected a 4-D input [N, C, H, W], got rank ${x.ndim}`, { input: x.shape });
  if (x.dtype === 'int32') throw new ShapeError(OP, 'expects a float input, got int32', { input: x.shape });
  if (mode !== 'bilinear' && mode !== 'nearest') throw new ConfigError(OP, `mode must be 'bilinear' or 'nearest', got '${String(mode)}'`);
  if (mode === 'nearest' && options.alignCorners !== undefined) {
    throw new ConfigError(OP, "alignCorners can only be set with mode 'bilinear', not 'nearest'");
  }
  const alignCorners = options.alignCorners ?? false;
  const { size, scaleFactor } = options;
  if ((size === undefined) === (scaleFactor === undefined)) throw new ConfigError(OP, 'exactly one of size and scaleFactor must be given');

  const [N, C, H, W] = x.shape;
  if (H <= 0 || W <= 0) throw new ShapeError(OP, 'input H and W must be positive', { input: x.shape });
  let oH: number;
  let oW: number;
  let scales: [number | undefined, number | undefined] = [undefined, undefined];
  if (size !== undefined) {
    [oH, oW] = pair('size', size);
    if (!Number.isInteger(oH) || !Number.isInteger(oW) || oH <= 0 || oW <= 0) {
      throw new ShapeError(OP, `output size must be positive integers, got [${oH}, ${oW}]`, { input: x.shape });
    }
  } else {
    const [sh, sw] = pair('scaleFactor', scaleFactor!);
    if (!(sh > 0) || !(sw > 0) || !Number.isFinite(sh) || !Number.isFinite(sw)) {
      throw new ConfigError(OP, `scaleFactor must be positive and finite, got [${sh}, ${sw}]`);
    }
    oH = Math.floor(H * sh);
    oW = Math.floor(W * sw);
    scales = [sh, sw];
    if (oH <= 0 || oW <= 0) {
      throw new ShapeError(OP, `scaleFactor [${sh}, ${sw}] gives an empty output [${oH}, ${oW}]`, { input: x.shape });
    }
  }
  const g: K.ResampleGeom = { P: N * C, H, W, oH, oW };
  const round = x.dtype === 'float32' ? Math.fround : (v: number): number => v;
  const xd = x.data as FloatArray;
  const y = allocUninit(x.dtype, N * C * oH * oW) as FloatArray; // every element written
  const newGrad = (): Tensor => new Tensor(allocArray(x.dtype, x.size), x.shape);

  if (mode === 'bilinear') {
    const th = K.linearAxis(H, oH, alignCorners, scales[0], round);
    const tw = K.linearAxis(W, oW, alignCorners, scales[1], round);
    bilinear(y, xd, th, tw, g); // float32 heap tensors: wasm, same bits
    return record(OP, [x], new Tensor(y, [N, C, oH, oW]), (gy) => {
      const gx = allocUninit(x.dtype, x.size) as FloatArray; // both kernels zero each plane before adding into it
      const gyd = gy.data as FloatArray;
      bilinearBackward(gx, gyd, th, tw, g);
      return [new Tensor(gx, x.shape)];
    }, []);
  }
  const ih = K.nearestAxis(H, oH, scales[0], round);
  const iw = K.nearestAxis(W, oW, scales[1], round);
  nearest(y, xd, ih, iw, g);
  return record(OP, [x], new Tensor(y, [N, C, oH, oW]), (gy) => {
    const gx = newGrad();
    nearestBackward(gx.data as FloatArray, gy.data as FloatArray, ih, iw, g);
    return [gx];
  }, []);
}
