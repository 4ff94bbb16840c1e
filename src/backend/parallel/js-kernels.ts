/**
 * Pooled twins of the js kernels (src/kernels/): each runs the very same loop on its part [lo, hi) of the
 * output range, on arrays that are views of the shared heap. The drivers that stage operands and start them are
 * in js-pooled.ts; the kernels are appended to the pool's list in pooled-kernels.ts.
 */
import type { ThreadContext } from './thread-context.js';
import { ints } from './int-args.js';
import type { PoolKernel } from '../pooled-kernels.js';
import type { FloatArray } from '../../tensor/dtype.js';
import type { ConvGeom } from '../../kernels/conv2d-common.js';
import {
  geluBackwardRange, geluForwardRange, leakyReluBackward, leakyReluForward, reluBackward, reluForward, sigmoidBackward, sigmoidForward,
  siluBackward, siluForward, tanhBackward, tanhForward,
} from '../../kernels/activations.js';
import { channelSum } from '../../kernels/channel-bias.js';
import { col2im } from '../../kernels/conv2d-gemm.js';
import {
  type PoolGeom, adaptiveAvgPool2dBackward, adaptiveAvgPool2dForward, avgPool2dBackward, avgPool2dForward, maxPool2dBackward,
  maxPool2dForward,
} from '../../kernels/pool2d.js';
import { softmaxBackward, softmaxForward } from '../../kernels/softmax.js';
import { nearestBackward, nearestForward } from '../../kernels/upsample2d.js';
import { gatherStrided, scatterStrided } from '../../kernels/strided.js';
import { type ReducePlan, reduceExtreme, reduceSum } from '../../kernels/reduce.js';
import { groupNormInputGrad, groupNormRowSums } from '../../kernels/group-norm.js';
import { layerNormForward, layerNormInputGrad, layerNormParamGrads } from '../../kernels/layer-norm.js';
import { padConstant, padGather, padScatterAdd } from '../../kernels/pad.js';
import { type UnaryLoopName, unaryLoops } from '../../kernels/unary.js';
import { type LossGeom, crossEntropyBackward, crossEntropyForward, diceBackward, softmaxProbs } from '../../kernels/losses.js';
import {
  depthwiseForwardPlanes, depthwiseInputGradPlanes, depthwiseWeightGradChannels,
} from '../../kernels/conv2d-depthwise.js';

/** The heap as an array of `bytes`-sized floats, and the view of `length` elements from byte address `addr`. */
function view(ctx: ThreadContext, bytes: number, addr: number, length: number): FloatArray {
  const all = bytes === 8 ? ctx.heap.f64 : ctx.heap.f32;
  return all.subarray(addr / bytes, addr / bytes + length);
}

/** The heap's floats from byte address addr to its end (for a kernel that reads through strides or offsets). */
function viewFrom(ctx: ThreadContext, bytes: number, addr: number): FloatArray {
  return (bytes === 8 ? ctx.heap.f64 : ctx.heap.f32).subarray(addr / bytes);
}

/** The heap's float64s from byte address addr (0: none), and its int32s. */
const f64At = (ctx: ThreadContext, addr: number, length: number): Float64Array | null =>
  addr === 0 ? null : ctx.heap.f64.subarray(addr / 8, addr / 8 + length);
const i32At = (ctx: ThreadContext, addr: number, length: number): Int32Array => new Int32Array(ctx.heap.f32.buffer, addr, length);

/**
 * Element-wise args: [bytesPerElement, out, in0, in1, …] byte addresses of element 0; [lo, hi) are elements.
 * The views start at element lo, so the loop runs on [0, hi − lo) of them (same element, same operation).
 */
function elementwise(name: string, arity: 1 | 2, loop: (out: FloatArray, a: FloatArray, b: FloatArray, scalar: number) => void): PoolKernel {
  return {
    name,
    run(ctx, g, lo, hi) {
      const bytes = g[0], n = hi - lo, at = (addr: number) => view(ctx, bytes, addr + bytes * lo, n);
      const out = at(g[1]), a = at(g[2]);
      // a real-number parameter (leaky relu's slope) follows the addresses
      loop(out, a, arity === 2 ? at(g[3]) : a, g[2 + arity]);
    },
  };
}

const geluJs = elementwise('gelu.js', 1, (y, x) => geluForwardRange(y, x, 0, y.length));
/** inputs [gy, x] */
const geluBackwardJs = elementwise('geluBackward.js', 2, (gx, gy, x) => geluBackwardRange(gx, gy, x, 0, gx.length));

/** inputs [x] or [gy, y]: the other activations' loops (kernels/activations.ts). */
const reluJs = elementwise('relu.js', 1, (y, x) => reluForward(y, x));
const reluBackwardJs = elementwise('reluBackward.js', 2, (gx, gy, y) => reluBackward(gx, gy, y));
const sigmoidJs = elementwise('sigmoid.js', 1, (y, x) => sigmoidForward(y, x));
const sigmoidBackwardJs = elementwise('sigmoidBackward.js', 2, (gx, gy, y) => sigmoidBackward(gx, gy, y));
const tanhJs = elementwise('tanh.js', 1, (y, x) => tanhForward(y, x));
const tanhBackwardJs = elementwise('tanhBackward.js', 2, (gx, gy, y) => tanhBackward(gx, gy, y));
/** inputs [x] or [gy, x], then the slope */
const leakyReluJs = elementwise('leakyRelu.js', 1, (y, x, _, slope) => leakyReluForward(y, x, slope));
const leakyReluBackwardJs = elementwise('leakyReluBackward.js', 2, (gx, gy, x, slope) => leakyReluBackward(gx, gy, x, slope));
const siluJs = elementwise('silu.js', 1, (y, x) => siluForward(y, x));
const siluBackwardJs = elementwise('siluBackward.js', 2, (gx, gy, x) => siluBackward(gx, gy, x));

/**
 * Depth-wise args: [bytesPerElement, pass (0 forward, 1 input, 2 weight), out, a, b, bias (0: none),
 * N, C, H, W, kH, kW, oH, oW, pH, pW, dH, dW] (stride 1; operands as in js-pooled.ts runDepthwiseJs).
 * [lo, hi) are (n, c) planes, or channels for the weight gradient.
 */
const depthwiseJs: PoolKernel = {
  name: 'depthwise.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, out, a, b, bias] = args, [N, C, H, W, kH, kW, oH, oW, pH, pW, dH, dW] = ints(args, 6, 12);
    const g: ConvGeom = { N, Cin: C, Cout: C, groups: C, H, W, kH, kW, oH, oW, pH, pW, dH, dW, sH: 1, sW: 1 };
    const T = kH * kW, x = N * C * H * W, y = N * C * oH * oW;
    if (pass === 0) {
      depthwiseForwardPlanes(view(ctx, bytes, out, y), view(ctx, bytes, a, x), view(ctx, bytes, b, C * T),
        bias ? view(ctx, bytes, bias, C) : null, g, lo, hi);
    } else if (pass === 1) {
      depthwiseInputGradPlanes(view(ctx, bytes, out, x), view(ctx, bytes, a, y), view(ctx, bytes, b, C * T), g, lo, hi);
    } else {
      depthwiseWeightGradChannels(view(ctx, bytes, out, C * T), view(ctx, bytes, a, y), view(ctx, bytes, b, x), g, lo, hi);
    }
  },
};

/** inputs [a, b]: out[i] = a[i] + b[i] (out may be a: the engine's gradient accumulation). */
const addJs = elementwise('add.js', 2, (out, a, b) => {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
});

/** Channel-sum args: [bytesPerElement, gb, gy, N, C, plane]; [lo, hi) are channels (see channel-bias.ts). */
const channelSumJs: PoolKernel = {
  name: 'channelSum.js',
  run(ctx, args, lo, hi) {
    const [bytes, gb, gy] = args, [N, C, plane] = ints(args, 3, 3);
    channelSum(view(ctx, bytes, gb, C), view(ctx, bytes, gy, N * C * plane), N, C, plane, lo, hi);
  },
};

/**
 * col2im args: [bytesPerElement, gx, gcol, n, N, Cin, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW, ciBase, ci0]:
 * image n's input channels ci0 + [lo, hi) of gx, from gcol's rows of channels ciBase… (see conv2d-gemm.ts col2im);
 * each channel writes only its own plane of gx.
 */
const col2imJs: PoolKernel = {
  name: 'col2im.js',
  run(ctx, args, lo, hi) {
    const [bytes, gx, gcol] = args, [n, N, Cin, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW, ciBase, ci0] = ints(args, 3, 17);
    const g: ConvGeom = { N, Cin, Cout: 1, groups: 1, H, W, kH, kW, oH, oW, pH, pW, dH, dW, sH, sW };
    const gcolRows = (ci0 + hi - ciBase) * kH * kW * oH * oW;
    col2im(view(ctx, bytes, gx, N * Cin * H * W), view(ctx, bytes, gcol, gcolRows), g, n, ci0 + lo, ci0 + hi, ciBase);
  },
};

/**
 * Adaptive average pooling args: [bytesPerElement, pass (0 forward, 1 backward), out, in, P, H, W, oH, oW]:
 * forward y [P, oH, oW] from x [P, H, W], backward gx [P, H, W] from gy [P, oH, oW]; [lo, hi) are planes.
 */
const adaptiveAvgPoolJs: PoolKernel = {
  name: 'adaptiveAvgPool.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, out, inp] = args, [P, H, W, oH, oW] = ints(args, 4, 5);
    const g = { P, H, W, oH, oW }, big = P * H * W, small = P * oH * oW;
    if (pass === 0) adaptiveAvgPool2dForward(view(ctx, bytes, out, small), view(ctx, bytes, inp, big), g, lo, hi);
    else adaptiveAvgPool2dBackward(view(ctx, bytes, out, big), view(ctx, bytes, inp, small), g, lo, hi);
  },
};

/**
 * GroupNorm backward args: [bytesPerElement, pass, gy, x, gx, mean, invstd, w (0: none), sumGy, sumGyD, N, C, G, S]
 * (mean, invstd, sumGy, sumGyD float64 addresses): pass 0 fills the row sums over rows (n, c), pass 1 writes gx over
 * groups (n, g) from them (kernels/group-norm.ts).
 */
const groupNormJs: PoolKernel = {
  name: 'groupNorm.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, gy, x, gx, meanAt, invstdAt, wAt, s1At, s2At] = args, [N, C, G, S] = ints(args, 10, 4);
    const g = { N, C, G, S }, size = N * C * S;
    const gyv = view(ctx, bytes, gy, size), xv = view(ctx, bytes, x, size), mean = f64At(ctx, meanAt, N * G)!;
    const s1 = f64At(ctx, s1At, N * C)!, s2 = f64At(ctx, s2At, N * C)!;
    if (pass === 0) groupNormRowSums(s1, s2, gyv, xv, mean, g, lo, hi);
    else groupNormInputGrad(view(ctx, bytes, gx, size), gyv, xv, mean, f64At(ctx, invstdAt, N * G)!, wAt ? view(ctx, bytes, wAt, C) : null, s1, s2, g, lo, hi);
  },
};

/**
 * LayerNorm args: [bytesPerElement, pass, out, out2, gy, x, mean, invstd, w, b, R, M] (0 = none for an optional
 * array; mean, invstd float64): pass 0 y = out from x, w, b by rows; pass 1 gx = out from gy, x, w by rows; pass 2
 * gw = out, gb = out2 from gy, x by columns [lo, hi) of M (kernels/layer-norm.ts).
 */
const layerNormJs: PoolKernel = {
  name: 'layerNorm.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, out, out2, gy, x, meanAt, invstdAt, wAt, bAt] = args, [R, M] = ints(args, 10, 2);
    const size = R * M, opt = (at: number, n: number) => (at ? view(ctx, bytes, at, n) : null);
    const xv = view(ctx, bytes, x, size), mean = f64At(ctx, meanAt, R)!, invstd = f64At(ctx, invstdAt, R)!;
    if (pass === 0) layerNormForward(view(ctx, bytes, out, size), xv, mean, invstd, opt(wAt, M), opt(bAt, M), M, lo, hi);
    else if (pass === 1) layerNormInputGrad(view(ctx, bytes, out, size), view(ctx, bytes, gy, size), xv, mean, invstd, opt(wAt, M), M, lo, hi);
    else layerNormParamGrads(opt(out, M), opt(out2, M), view(ctx, bytes, gy, size), xv, mean, invstd, M, lo, hi);
  },
};

/** Passes of 'pad.js'. */
export const PAD_PASS = { constant: 0, gather: 1, scatterAdd: 2 } as const;

/**
 * Pad args: [bytesPerElement, pass, out, in, then] constant: [value, r, inShape[r], outShape[r], before[r]] (rows of
 * outShape); gather / scatterAdd: [idx (int32 address), idxLength, inPlane] (planes). kernels/pad.ts.
 */
const padJs: PoolKernel = {
  name: 'pad.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, out, inp] = args, dst = viewFrom(ctx, bytes, out), src = viewFrom(ctx, bytes, inp);
    if (pass === PAD_PASS.constant) {
      const r = args[5] | 0, inShape = ints(args, 6, r), outShape = ints(args, 6 + r, r), before = ints(args, 6 + 2 * r, r);
      padConstant(dst, src, inShape, outShape, before, args[4], lo, hi);
      return;
    }
    const idx = i32At(ctx, args[4], args[5]), inPlane = args[6] | 0;
    if (pass === PAD_PASS.gather) padGather(dst, src, idx, inPlane, lo, hi);
    else padScatterAdd(dst, src, idx, inPlane, lo, hi);
  },
};

/** Reduction kinds of 'reduce.js'. */
export const REDUCE_KIND = { sum: 0, max: 1, min: 2 } as const;

/**
 * Reduction args: [bytesPerElement, kind (REDUCE_KIND), y, x, src (int32 arg-offsets for max/min, else 0), red (int32
 * offsets), nRed, J, L, rows, divisor, k, rowSizes[k], rowStrides[k]]: kernels/reduce.ts's plan; [lo, hi) are rows.
 */
const reduceJs: PoolKernel = {
  name: 'reduce.js',
  run(ctx, args, lo, hi) {
    const [bytes, kind, y, x, srcAt, redAt] = args, [nRed, J, L, rows] = ints(args, 6, 4), divisor = args[10], k = args[11] | 0;
    const plan: ReducePlan = {
      rows, J, L, rowSizes: ints(args, 12, k), rowStrides: ints(args, 12 + k, k), red: i32At(ctx, redAt, nRed), count: nRed * L,
    };
    const xs = viewFrom(ctx, bytes, x), ys = view(ctx, bytes, y, rows * J);
    if (kind === REDUCE_KIND.sum) reduceSum(ys, xs, plan, divisor, lo, hi);
    else reduceExtreme(ys, i32At(ctx, srcAt, rows * J), xs, plan, kind === REDUCE_KIND.max, lo, hi);
  },
};

/**
 * Strided copy args: [bytesPerElement, intoView (0 gather, 1 scatter), dst, src, offset, n, shape[n], strides[n]]:
 * kernels/strided.ts on heap views of the whole arrays (the view side: offset and strides in elements); [lo, hi) are
 * rows of shape.
 */
const stridedJs: PoolKernel = {
  name: 'strided.js',
  run(ctx, args, lo, hi) {
    const [bytes, intoView, dst, src] = args, [offset, n] = ints(args, 4, 2);
    const shape = ints(args, 6, n), strides = ints(args, 6 + n, n);
    (intoView === 1 ? scatterStrided : gatherStrided)(viewFrom(ctx, bytes, dst), viewFrom(ctx, bytes, src), offset, strides, shape, lo, hi);
  },
};

/**
 * Nearest resize args: [bytesPerElement, pass (0 forward, 1 backward), out, in, ih, iw, P, H, W, oH, oW] with ih, iw
 * the byte addresses of the int32 source-index tables; forward out = y from in = x, backward out = gx from in = gy.
 * [lo, hi) are planes.
 */
const nearestJs: PoolKernel = {
  name: 'nearest.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, out, inp, ihAt, iwAt] = args, [P, H, W, oH, oW] = ints(args, 6, 5);
    const g = { P, H, W, oH, oW }, big = P * H * W, small = P * oH * oW;
    const ih = i32At(ctx, ihAt, oH), iw = i32At(ctx, iwAt, oW);
    if (pass === 0) nearestForward(view(ctx, bytes, out, small), view(ctx, bytes, inp, big), ih, iw, g, lo, hi);
    else nearestBackward(view(ctx, bytes, out, big), view(ctx, bytes, inp, small), ih, iw, g, lo, hi);
  },
};

/**
 * The unary ops' loops (kernels/unary.ts): 'unary.<name>.js' with inputs [x], 'unaryBackward.<name>.js' with args
 * [bytesPerElement, gx, gy, x, y]; [lo, hi) are elements.
 */
const unaryJs = (Object.keys(unaryLoops) as UnaryLoopName[]).flatMap((name): PoolKernel[] => [
  elementwise(`unary.${name}.js`, 1, (y, x) => unaryLoops[name][0](y, x, 0, y.length)),
  {
    name: `unaryBackward.${name}.js`,
    run(ctx, g, lo, hi) {
      const bytes = g[0], n = hi - lo, at = (addr: number) => view(ctx, bytes, addr + bytes * lo, n);
      unaryLoops[name][1](at(g[1]), at(g[2]), at(g[3]), at(g[4]), 0, n);
    },
  },
]);

/** Window pooling passes by their pooled-kernel arg code. */
export const POOL2D_PASS = { maxForward: 0, maxBackward: 1, avgForward: 2, avgBackward: 3 } as const;

/**
 * Window pooling args: [bytesPerElement, pass (POOL2D_PASS), out, in, argmax (int32s; max pooling only, else 0),
 * countIncludePad, P, H, W, oH, oW, kH, kW, sH, sW, pH, pW, dH, dW] (kernels/pool2d.ts): forward out = y [P, oH, oW]
 * from in = x; backward out = gx [P, H, W] from in = gy. [lo, hi) are planes; each writes only its own plane.
 */
const pool2dJs: PoolKernel = {
  name: 'pool2d.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, out, inp, argmaxAt, countIncludePad] = args;
    const [P, H, W, oH, oW, kH, kW, sH, sW, pH, pW, dH, dW] = ints(args, 6, 13);
    const g: PoolGeom = { P, H, W, oH, oW, kH, kW, sH, sW, pH, pW, dH, dW }, big = P * H * W, small = P * oH * oW;
    const argmax = argmaxAt ? i32At(ctx, argmaxAt, small) : new Int32Array(0);
    if (pass === POOL2D_PASS.maxForward) maxPool2dForward(view(ctx, bytes, out, small), argmax, view(ctx, bytes, inp, big), g, lo, hi);
    else if (pass === POOL2D_PASS.maxBackward) maxPool2dBackward(view(ctx, bytes, out, big), view(ctx, bytes, inp, small), argmax, g, lo, hi);
    else if (pass === POOL2D_PASS.avgForward) avgPool2dForward(view(ctx, bytes, out, small), view(ctx, bytes, inp, big), g, countIncludePad === 1, lo, hi);
    else avgPool2dBackward(view(ctx, bytes, out, big), view(ctx, bytes, inp, small), g, countIncludePad === 1, lo, hi);
  },
};

/**
 * Softmax args: [bytesPerElement, log (0/1), out, in, gy (backward only; 0 in the forward), outer, D, inner]:
 * forward out = y from in = x; backward out = gx from gy and in = y. [lo, hi) are lanes of outer·inner.
 */
const softmaxJs: PoolKernel = {
  name: 'softmax.js',
  run(ctx, args, lo, hi) {
    const [bytes, log, out, inp, gy] = args, [outer, D, inner] = ints(args, 5, 3), n = outer * D * inner, g = { outer, D, inner };
    if (gy === 0) softmaxForward(view(ctx, bytes, out, n), view(ctx, bytes, inp, n), g, log === 1, lo, hi);
    else softmaxBackward(view(ctx, bytes, out, n), view(ctx, bytes, gy, n), view(ctx, bytes, inp, n), g, log === 1, lo, hi);
  },
};

/**
 * The loss kernels (src/kernels/losses.ts) over pixels [lo, hi) of the N·S; every pixel writes only its own outputs.
 * Args start [zBytes, z, target, N, C, S] (logits of zBytes-sized floats, int32 targets), then per kernel:
 *   'crossEntropy.js'          loss, weightOf, lse (float64 [N·S]), weight (float64 [C], 0: none), ignoreIndex, smoothing
 *   'crossEntropyBackward.js'  gz (like z), weight, ignoreIndex, smoothing, lse, gyPixel (like z, 0: none), gyScale
 *   'softmaxProbs.js'          prob (float64 [N·C·S]) (target unused: 0)
 *   'diceBackward.js'          gz, prob, ignoreIndex, A, B (float64 [N·C]), k
 */
function lossKernel(name: string, run: (ctx: ThreadContext, a: Float64Array, io: LossIO, lo: number, hi: number) => void): PoolKernel {
  return {
    name,
    run(ctx, args, lo, hi) {
      const [bytes, z, target] = args, [N, C, S] = ints(args, 3, 3);
      const g: LossGeom = { N, C, S };
      run(ctx, args, { g, z: view(ctx, bytes, z, N * C * S), target: i32At(ctx, target, target ? N * S : 0), zLike: (addr, n = N * C * S) => view(ctx, bytes, addr, n) }, lo, hi);
    },
  };
}
interface LossIO {
  g: LossGeom;
  z: FloatArray;
  target: Int32Array;
  /** a view of zBytes-sized floats (n: N·C·S unless given) */
  zLike(addr: number, n?: number): FloatArray;
}

const crossEntropyJs = lossKernel('crossEntropy.js', (ctx, a, { g, z, target }, lo, hi) => {
  const P = g.N * g.S;
  crossEntropyForward(f64At(ctx, a[6], P)!, f64At(ctx, a[7], P)!, f64At(ctx, a[8], P)!, z, target, f64At(ctx, a[9], g.C),
    a[10], a[11], g, lo, hi);
});
const crossEntropyBackwardJs = lossKernel('crossEntropyBackward.js', (ctx, a, { g, z, target, zLike }, lo, hi) => {
  crossEntropyBackward(zLike(a[6]), z, target, f64At(ctx, a[7], g.C), a[8], a[9], f64At(ctx, a[10], g.N * g.S)!,
    a[11] === 0 ? null : zLike(a[11], g.N * g.S), a[12], g, lo, hi);
});
const softmaxProbsJs = lossKernel('softmaxProbs.js', (ctx, a, { g, z }, lo, hi) => {
  softmaxProbs(f64At(ctx, a[6], g.N * g.C * g.S)!, z, g, lo, hi);
});
const diceBackwardJs = lossKernel('diceBackward.js', (ctx, a, { g, target, zLike }, lo, hi) => {
  const NC = g.N * g.C;
  diceBackward(zLike(a[6]), f64At(ctx, a[7], NC * g.S)!, target, a[8], f64At(ctx, a[9], NC)!, f64At(ctx, a[10], NC)!, a[11], g, lo, hi);
});

export const jsPoolKernels: readonly PoolKernel[] = [geluJs, geluBackwardJs, depthwiseJs, addJs, channelSumJs, col2imJs,
  adaptiveAvgPoolJs, crossEntropyJs, crossEntropyBackwardJs, softmaxProbsJs, diceBackwardJs,
  reluJs, reluBackwardJs, sigmoidJs, sigmoidBackwardJs, tanhJs, tanhBackwardJs, softmaxJs, pool2dJs, ...unaryJs,
  leakyReluJs, leakyReluBackwardJs, siluJs, siluBackwardJs, nearestJs, stridedJs, reduceJs, groupNormJs, layerNormJs, padJs];
