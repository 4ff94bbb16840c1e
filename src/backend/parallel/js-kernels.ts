/**
 * Pooled twins of the js kernels (src/kernels/): each runs the very same loop on its part [lo, hi) of the
 * output range, on arrays that are views of the shared heap. The drivers that stage operands and start them are
 * in js-pooled.ts; the kernels are appended to the pool's list in pooled-kernels.ts.
 */
import type { ThreadContext } from './thread-context.js';
import type { PoolKernel } from '../pooled-kernels.js';
import type { FloatArray } from '../../tensor/dtype.js';
import type { ConvGeom } from '../../kernels/conv2d-common.js';
import { geluBackwardRange, geluForwardRange } from '../../kernels/activations.js';
import { channelSum } from '../../kernels/channel-bias.js';
import { col2im } from '../../kernels/conv2d-gemm.js';
import {
  depthwiseForwardPlanes, depthwiseInputGradPlanes, depthwiseWeightGradChannels,
} from '../../kernels/conv2d-depthwise.js';

/** The heap as an array of `bytes`-sized floats, and the view of `length` elements from byte address `addr`. */
function view(ctx: ThreadContext, bytes: number, addr: number, length: number): FloatArray {
  const all = bytes === 8 ? ctx.heap.f64 : ctx.heap.f32;
  return all.subarray(addr / bytes, addr / bytes + length);
}

/**
 * Element-wise args: [bytesPerElement, out, in0, in1, …] byte addresses of element 0; [lo, hi) are elements.
 * The views start at element lo, so the loop runs on [0, hi − lo) of them (same element, same operation).
 */
function elementwise(name: string, arity: 1 | 2, loop: (out: FloatArray, a: FloatArray, b: FloatArray) => void): PoolKernel {
  return {
    name,
    run(ctx, g, lo, hi) {
      const bytes = g[0], n = hi - lo, at = (addr: number) => view(ctx, bytes, addr + bytes * lo, n);
      const out = at(g[1]), a = at(g[2]);
      loop(out, a, arity === 2 ? at(g[3]) : a);
    },
  };
}

const geluJs = elementwise('gelu.js', 1, (y, x) => geluForwardRange(y, x, 0, y.length));
/** inputs [gy, x] */
const geluBackwardJs = elementwise('geluBackward.js', 2, (gx, gy, x) => geluBackwardRange(gx, gy, x, 0, gx.length));

/**
 * Depth-wise args: [bytesPerElement, pass (0 forward, 1 input, 2 weight), out, a, b, bias (0: none),
 * N, C, H, W, kH, kW, oH, oW, pH, pW, dH, dW] (stride 1; operands as in js-pooled.ts runDepthwiseJs).
 * [lo, hi) are (n, c) planes, or channels for the weight gradient.
 */
const depthwiseJs: PoolKernel = {
  name: 'depthwise.js',
  run(ctx, args, lo, hi) {
    const [bytes, pass, out, a, b, bias, N, C, H, W, kH, kW, oH, oW, pH, pW, dH, dW] = args;
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
    const [bytes, gb, gy, N, C, plane] = args;
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
    const [bytes, gx, gcol, n, N, Cin, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW, ciBase, ci0] = args;
    const g: ConvGeom = { N, Cin, Cout: 1, groups: 1, H, W, kH, kW, oH, oW, pH, pW, dH, dW, sH, sW };
    const gcolRows = (ci0 + hi - ciBase) * kH * kW * oH * oW;
    col2im(view(ctx, bytes, gx, N * Cin * H * W), view(ctx, bytes, gcol, gcolRows), g, n, ci0 + lo, ci0 + hi, ciBase);
  },
};

export const jsPoolKernels: readonly PoolKernel[] = [geluJs, geluBackwardJs, depthwiseJs, addJs, channelSumJs, col2imJs];
