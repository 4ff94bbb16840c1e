/**
 * Validation and shape inference for conv2d and convTranspose2d, kept apart from compute (as jax-js checkConvShape):
 * each function checks every argument once, throws a ShapeError / ConfigError naming the op and the shapes, and
 * returns the output shape plus the ConvGeom the kernels loop over.
 *
 * conv2d:          H_out = floor((H + pTop + pBottom − dH·(kH − 1) − 1) / sH) + 1                 (same for W)
 * convTranspose2d: H_out = (H − 1)·sH − 2·pH + dH·(kH − 1) + outputPaddingH + 1
 * A transposed conv is the adjoint of a conv2d that maps its output [N, Cout, H_out, W_out] back to its input
 * [N, Cin, H, W] with the same weight, stride, padding, dilation and groups; its geometry is that conv's geometry.
 */
import { ConfigError, ShapeError } from '../tensor/errors.js';
import type { Shape } from '../tensor/shape.js';
import type { DType } from '../tensor/dtype.js';
import type { ConvGeom } from '../kernels/conv2d-common.js';

export type Pair = number | readonly [number, number];
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
const PADDING_MODES: readonly string[] = ['zeros', 'reflect', 'replicate', 'circular'];

export interface Conv2dOptions {
  stride?: Pair;
  /** A number or [h, w] (symmetric), 'valid' (= 0) or 'same' (output size = input size; stride 1 only). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  /** How the input is padded; a non-zeros mode pads the input with that mode first, as PyTorch's Conv2d does. */
  paddingMode?: PaddingMode;
}

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

export interface Conv2dPlan {
  /** Geometry for the kernels; with a non-zeros padding mode it describes the already padded input (pH = pW = 0). */
  geom: ConvGeom;
  outShape: number[];
  mode: PaddingMode;
  /** F.pad order [left, right, top, bottom]: what the non-zeros mode pads before the conv; null for 'zeros'. */
  prePad: [number, number, number, number] | null;
}

export interface ConvTranspose2dPlan {
  /** Geometry of the conv2d whose input map this op is the adjoint of (its Cin/H/W are this op's output). */
  geom: ConvGeom;
  outShape: number[];
}

const fmtPair = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** A number or [h, w] pair of integers ≥ min, as [h, w]; `what` describes the allowed values for the message. */
function pair(op: string, name: string, v: unknown, min: number, what: string): [number, number] {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  throw new ConfigError(op, `${name} must be ${what}, got ${fmtPair(v)}`);
}

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  throw new ConfigError(op, `${name} must be a positive integer, got ${fmtPair(v)}`);
}

/** Shared checks of x [N, Cin, H, W] and a 4-D weight; returns the shapes named for messages. */
function checkRanks(op: string, xShape: Shape, wShape: Shape, wLayout: string): Record<string, Shape> {
  const shapes = { input: xShape, weight: wShape };
  if (xShape.length !== 4) throw new ShapeError(op, `input must be 4-D [N, C, H, W], got ${xShape.length}-D`, shapes);
  if (wShape.length !== 4) throw new ShapeError(op, `weight must be 4-D ${wLayout}, got ${wShape.length}-D`, shapes);
  if (wShape[2] < 1 || wShape[3] < 1) throw new ShapeError(op, `kernel size must be positive, got ${wShape[2]}x${wShape[3]}`, shapes);
  return shapes;
}

function checkBias(op: string, bShape: Shape | null, Cout: number, shapes: Record<string, Shape>): void {
  if (bShape && (bShape.length !== 1 || bShape[0] !== Cout)) {
    throw new ShapeError(op, `bias must have shape [Cout] = [${Cout}]`, { ...shapes, bias: bShape });
  }
}

/** Validate a conv2d call and plan it. Throws on any bad shape or option. */
export function conv2dGeometry(xShape: Shape, wShape: Shape, bShape: Shape | null, o: Conv2dOptions = {}): Conv2dPlan {
  const op = 'conv2d';
  const shapes = checkRanks(op, xShape, wShape, '[Cout, Cin/groups, kH, kW]');
  const [N, Cin, H, W] = xShape;
  const [Cout, cinG, kH, kW] = wShape;
  const groups = positiveInt(op, 'groups', o.groups ?? 1);
  const [sH, sW] = pair(op, 'stride', o.stride ?? 1, 1, 'a positive integer or a pair of them');
  const [dH, dW] = pair(op, 'dilation', o.dilation ?? 1, 1, 'a positive integer or a pair of them');
  const mode = o.paddingMode ?? 'zeros';
  if (!PADDING_MODES.includes(mode)) {
    throw new ConfigError(op, `paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got ${fmtPair(mode)}`);
  }
  if (Cin !== cinG * groups) {
    throw new ShapeError(op, `input channels (${Cin}) must equal weight.shape[1] * groups (${cinG * groups})`, shapes);
  }
  if (Cout % groups !== 0) {
    throw new ShapeError(op, `output channels (weight.shape[0] = ${Cout}) must be divisible by groups (${groups})`, shapes);
  }
  checkBias(op, bShape, Cout, shapes);

  // padding per side: [top, bottom, left, right]
  const padding = o.padding ?? 0;
  let pads: [number, number, number, number];
  if (padding === 'valid') pads = [0, 0, 0, 0];
  else if (padding === 'same') {
    if (sH !== 1 || sW !== 1) throw new ConfigError(op, `padding='same' is not supported for strided convolutions (stride [${sH}, ${sW}])`);
    // total dilated kernel overhang d·(k − 1), split with the extra row/column at the bottom/right (PyTorch)
    const tH = dH * (kH - 1);
    const tW = dW * (kW - 1);
    pads = [tH >> 1, tH - (tH >> 1), tW >> 1, tW - (tW >> 1)];
  } else {
    const [pH, pW] = pair(op, 'padding', padding, 0, "a non-negative integer or a pair of them, 'same' or 'valid'");
    pads = [pH, pH, pW, pW];
  }
  const [pt, pb, pl, pr] = pads;

  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const ekH = dH * (kH - 1) + 1;
  const ekW = dW * (kW - 1) + 1;
  if (ekH > Hp || ekW > Wp) {
    throw new ShapeError(op, `kernel size (dilated) ${ekH}x${ekW} is larger than the padded input ${Hp}x${Wp}`, shapes);
  }
  const oH = Math.floor((Hp - ekH) / sH) + 1;
  const oW = Math.floor((Wp - ekW) / sW) + 1;
  const outShape = [N, Cout, oH, oW];

  const any = pt + pb + pl + pr > 0;
  if (mode === 'zeros' || !any) {
    const geom = { N, Cin, H, W, Cout, kH, kW, oH, oW, sH, sW, pH: pt, pW: pl, dH, dW, groups };
    return { geom, outShape, mode, prePad: null };
  }
  // a non-zeros mode pads the input first; check that pad now so the message names conv2d
  const sides: [number, number, string][] = [
    [pt, H, 'dim 2'],
    [pb, H, 'dim 2'],
    [pl, W, 'dim 3'],
    [pr, W, 'dim 3'],
  ];
  for (const [p, size, dim] of sides) {
    if (mode === 'reflect' && p >= size) {
      throw new ShapeError(op, `reflect padding (${p}) must be smaller than the input size (${size}) in ${dim}`, shapes);
    }
    if (mode === 'circular' && p > size) {
      throw new ShapeError(op, `circular padding (${p}) must not exceed the input size (${size}) in ${dim}`, shapes);
    }
  }
  const geom = { N, Cin, H: Hp, W: Wp, Cout, kH, kW, oH, oW, sH, sW, pH: 0, pW: 0, dH, dW, groups };
  return { geom, outShape, mode, prePad: [pl, pr, pt, pb] };
}

/** Validate a convTranspose2d call (x [N, Cin, H, W], weight [Cin, Cout/groups, kH, kW]) and plan it. */
export function convTranspose2dGeometry(xShape: Shape, wShape: Shape, bShape: Shape | null, o: ConvTranspose2dOptions = {}): ConvTranspose2dPlan {
  const op = 'convTranspose2d';
  const shapes = checkRanks(op, xShape, wShape, '[Cin, Cout/groups, kH, kW]');
  const [N, Cin, H, W] = xShape;
  const [wCin, coutG, kH, kW] = wShape;
  const groups = positiveInt(op, 'groups', o.groups ?? 1);
  const [sH, sW] = pair(op, 'stride', o.stride ?? 1, 1, 'a positive integer or a pair of them');
  const [dH, dW] = pair(op, 'dilation', o.dilation ?? 1, 1, 'a positive integer or a pair of them');
  const [pH, pW] = pair(op, 'padding', o.padding ?? 0, 0, 'a non-negative integer or a pair of them');
  const [opH, opW] = pair(op, 'outputPadding', o.outputPadding ?? 0, 0, 'a non-negative integer or a pair of them');
  if (Cin !== wCin) throw new ShapeError(op, `input channels (${Cin}) must equal weight.shape[0] (${wCin})`, shapes);
  if (Cin % groups !== 0) throw new ShapeError(op, `input channels (${Cin}) must be divisible by groups (${groups})`, shapes);
  const Cout = coutG * groups;
  checkBias(op, bShape, Cout, shapes);
  // PyTorch's rule: each output padding must be smaller than the stride or the dilation of its dim
  if ((opH >= sH && opH >= dH) || (opW >= sW && opW >= dW)) {
    throw new ConfigError(
      op,
      `outputPadding must be smaller than either stride or dilation, got outputPadding [${opH}, ${opW}], stride [${sH}, ${sW}], dilation [${dH}, ${dW}]`,
    );
  }
  const Ho = (H - 1) * sH - 2 * pH + dH * (kH - 1) + opH + 1;
  const Wo = (W - 1) * sW - 2 * pW + dW * (kW - 1) + opW + 1;
  if (Ho < 1 || Wo < 1) {
    throw new ShapeError(op, `output size ${Ho}x${Wo} is not positive (padding [${pH}, ${pW}] is too large for this input and kernel)`, shapes);
  }
  // the adjoint conv2d: input [N, Cout, Ho, Wo] → output [N, Cin, H, W]; its weight layout [Cin, Cout/groups, kH, kW]
  const geom = { N, Cin: Cout, H: Ho, W: Wo, Cout: Cin, kH, kW, oH: H, oW: W, sH, sW, pH, pW, dH, dW, groups };
  return { geom, outShape: [N, Cout, Ho, Wo] };
}

/** Convolutions run on float tensors of one dtype (as PyTorch: "Input type (double) and bias type (float) should be the same"). */
export function checkConvDtypes(op: string, x: DType, w: DType, b: DType | null): void {
  if (x !== 'float32' && x !== 'float64') throw new ConfigError(op, `input must be float32 or float64, got ${x}`);
  if (w !== x) throw new ConfigError(op, `weight dtype (${w}) must equal the input dtype (${x})`);
  if (b !== null && b !== x) throw new ConfigError(op, `bias dtype (${b}) must equal the input dtype (${x})`);
}
