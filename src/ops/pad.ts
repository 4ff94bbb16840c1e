/**
 * pad: PyTorch's F.pad. `pads` lists [before, after] pairs starting from the LAST dim:
 * [left, right] pads W, [left, right, top, bottom] pads W then H, and so on.
 *
 * constant (any rank; negative pads crop):  y[o] = x[o − before] inside x, else value.
 *   It is linear in x with a 0/1 selection matrix S, so gx = Sᵀ gy = gy cropped back, which is itself a constant
 *   pad of gy by the negated pads (value 0).
 * reflect / replicate / circular (the last 1-3 dims; a (k+1)-D or (k+2)-D input for k padded dims, as PyTorch):
 *   y[p, j] = x[p, idx[j]] for a fixed index map idx (reflect mirrors without repeating the edge, replicate clamps,
 *   circular wraps), so gx[p, i] = Σ_{j: idx[j] = i} gy[p, j], a scatter-add.
 *
 * Shape: y.shape[d] = x.shape[d] + before_d + after_d on the padded dims, unchanged elsewhere.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit, type FloatArray } from '../tensor/dtype.js';
import { numel, type Shape } from '../tensor/shape.js';
import { ConfigError, ShapeError } from '../tensor/errors.js';
import { padGatherIndex, type PadGatherMode } from '../kernels/pad.js';
import { padConstant, padGather, padScatterAdd } from '../backend/dispatch/pad.js';
import { record } from '../autograd/record.js';

export type PadMode = 'constant' | PadGatherMode;

export interface PadOptions {
  mode?: PadMode;
  /** Fill value for mode 'constant' (default 0). */
  value?: number;
}

const MODES: readonly string[] = ['constant', 'reflect', 'replicate', 'circular'];

/** Pad (or, with negative constant pads, crop) the trailing dims of x; see the file comment for the order of `pads`. */
export function pad(x: Tensor, pads: readonly number[], options: PadOptions = {}): Tensor {
  const mode = options.mode ?? 'constant';
  const { before, after } = checkPad(x.shape, pads, mode, options.value);
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  const y = allocUninit(x.dtype, numel(outShape)); // every element written (the kernels fill the padding)

  if (mode === 'constant') {
    padConstant(y, x.data, x.shape, outShape, before, options.value ?? 0);
    return record('pad', [x], new Tensor(y, outShape), (gy) => {
      const gx = allocUninit(x.dtype, x.size); // every element written
      padConstant(gx, gy.data, outShape, x.shape, before.map((b) => -b), 0);
      return [new Tensor(gx, x.shape)];
    });
  }
  const k = pads.length / 2;
  const lead = x.ndim - k;
  const planes = numel(x.shape.slice(0, lead));
  const inPlane = numel(x.shape.slice(lead));
  const idx = padGatherIndex(x.shape.slice(lead), before.slice(lead), after.slice(lead), mode);
  padGather(y, x.data, idx, inPlane, planes);
  return record('pad', [x], new Tensor(y, outShape), (gy) => {
    const gx = allocUninit(x.dtype, x.size) as FloatArray; // each plane set whole
    padScatterAdd(gx, gy.data, idx, inPlane, planes);
    return [new Tensor(gx, x.shape)];
  });
}

/** Validate pads and mode against the input shape; returns per-dim (first dim first) before/after amounts. */
function checkPad(shape: Shape, pads: readonly number[], mode: string, value: number | undefined): { before: number[]; after: number[] } {
  const op = 'pad';
  const shapes = { input: shape };
  if (!MODES.includes(mode)) {
    throw new ConfigError(op, `mode must be one of 'constant', 'reflect', 'replicate', 'circular', got '${mode}'`);
  }
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || !pads.every((p) => Number.isInteger(p))) {
    throw new ShapeError(op, `pads must be an even-length list of integers ([left, right, top, bottom, ...]), got ${Array.isArray(pads) ? `[${pads.join(', ')}]` : String(pads)}`, shapes);
  }
  const k = pads.length / 2;
  if (k > shape.length) {
    throw new ShapeError(op, `pads [${pads.join(', ')}] cover ${k} dims but the input has only ${shape.length}`, shapes);
  }
  const before = shape.map(() => 0);
  const after = shape.map(() => 0);
  for (let j = 0; j < k; j++) {
    before[shape.length - 1 - j] = pads[2 * j];
    after[shape.length - 1 - j] = pads[2 * j + 1];
  }
  if (mode === 'constant') {
    for (let d = 0; d < shape.length; d++) {
      if (shape[d] + before[d] + after[d] < 0) {
        throw new ShapeError(op, `pads (${before[d]}, ${after[d]}) leave a negative size ${shape[d] + before[d] + after[d]} in dim ${d}`, shapes);
      }
    }
    return { before, after };
  }

  if (value !== undefined && value !== 0) throw new ConfigError(op, `mode '${mode}' does not take a value, got ${value}`);
  if (k < 1 || k > 3 || (shape.length !== k + 1 && shape.length !== k + 2)) {
    throw new ShapeError(
      op,
      `${mode} padding of ${k} dims needs a ${k + 1}-D or ${k + 2}-D input (1 to 3 padded dims), got ${shape.length}-D`,
      shapes,
    );
  }
  for (let d = shape.length - k; d < shape.length; d++) {
    for (const p of [before[d], after[d]]) {
      if (p < 0) throw new ShapeError(op, `${mode} padding must be non-negative, got ${p} in dim ${d}`, shapes);
      if (mode === 'reflect' && p >= shape[d]) {
        throw new ShapeError(op, `reflect padding (${p}) must be smaller than the input size (${shape[d]}) in dim ${d}`, shapes);
      }
      if (mode === 'circular' && p > shape[d]) {
        throw new ShapeError(op, `circular padding (${p}) must not exceed the input size (${shape[d]}) in dim ${d}`, shapes);
      }
    }
    if (shape[d] === 0) throw new ShapeError(op, `${mode} padding needs a non-empty dim ${d}`, shapes);
  }
  return { before, after };
}
