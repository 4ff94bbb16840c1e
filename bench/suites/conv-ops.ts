/**
 * The convolutions of AMSUnet at their real shapes, each pass as its own suite: forward y = conv(x, w) + b, input
 * gradient gx = A_wᵀ gy and weight gradient gw = Σ gy·x, through the op-level runners (output allocation
 * included, as in training). Shapes (float32, one sample):
 *   1x1 64->256 at 128x128          (FFN expansion of down2 at C = 32 and 512x512 input; the heaviest 1x1)
 *   depth-wise 3x3 dilation 3, 256 channels at 32x32   (AMS conv0 of down3)
 *   depth-wise 1x11 on 32 channels at 256x256          (AMS conv2_1 of in_conv)
 *   dense 3x3 3->32 at 256x256, padding 1              (the stem)
 * Peers: tfjs (NHWC, its native layout; gradients through tf.grad, which also runs the forward) and jax-js
 * (NCHW with OIHW kernels, as ours) for the forwards. A peer that cannot do a pass is reported as failing.
 */
import { conv2dGeometry } from '../../src/ops/conv-geometry.js';
import { convForward, convInputGrad, convWeightGrad } from '../../src/ops/conv2d.js';
import type { PeerCase, Suite } from '../suite.js';
import { randomArray } from './gemm.js';

interface ConvShape {
  label: string;
  N: number;
  Cin: number;
  Cout: number;
  H: number;
  W: number;
  kH: number;
  kW: number;
  pad: [number, number];
  dilation: number;
  groups: number;
  quick: boolean;
}

const shapes: ConvShape[] = [
  { label: '1x1 64->256 at 128x128', N: 1, Cin: 64, Cout: 256, H: 128, W: 128, kH: 1, kW: 1, pad: [0, 0], dilation: 1, groups: 1, quick: true },
  { label: 'depth-wise 3x3 dilation 3, 256 ch at 32x32', N: 1, Cin: 256, Cout: 256, H: 32, W: 32, kH: 3, kW: 3, pad: [3, 3], dilation: 3, groups: 256, quick: true },
  { label: 'depth-wise 1x11, 32 ch at 256x256', N: 1, Cin: 32, Cout: 32, H: 256, W: 256, kH: 1, kW: 11, pad: [0, 5], dilation: 1, groups: 32, quick: true },
  { label: 'dense 3x3 3->32 at 256x256', N: 1, Cin: 3, Cout: 32, H: 256, W: 256, kH: 3, kW: 3, pad: [1, 1], dilation: 1, groups: 1, quick: true },
];

type Pass = 'forward' | 'input gradient' | 'weight gradient';

/** NCHW → NHWC and OIHW → HWIO (or HWC1 multiplier layout for depth-wise), for tfjs. */
function nhwc(x: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) out[(n * H * W + i) * C + c] = x[(n * C + c) * H * W + i];
  return out;
}
function hwio(w: Float32Array, O: number, I: number, kH: number, kW: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let t = 0; t < kH * kW; t++) out[(t * I + i) * O + o] = w[(o * I + i) * kH * kW + t];
  return out;
}

function tfCase(s: ConvShape, pass: Pass, x: Float32Array, w: Float32Array, gy: Float32Array, oH: number, oW: number): PeerCase {
  return ({ tf }) => {
    const dw = s.groups > 1;
    const xt = tf.tensor4d(nhwc(x, s.N, s.Cin, s.H, s.W), [s.N, s.H, s.W, s.Cin]);
    // depth-wise filters are [kH, kW, C, multiplier = 1]: the same memory as HWIO with O = 1, I = C
    const wt = dw
      ? tf.tensor4d(hwio(w, 1, s.Cin, s.kH, s.kW), [s.kH, s.kW, s.Cin, 1])
      : tf.tensor4d(hwio(w, s.Cout, s.Cin, s.kH, s.kW), [s.kH, s.kW, s.Cin, s.Cout]);
    const gyt = tf.tensor4d(nhwc(gy, s.N, s.Cout, oH, oW), [s.N, oH, oW, s.Cout]);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [s.pad[0], s.pad[0]], [s.pad[1], s.pad[1]], [0, 0]];
    const d: [number, number] = [s.dilation, s.dilation];
    const conv = (a: typeof xt, b: typeof wt) =>
      dw ? tf.depthwiseConv2d(a, b, 1, pad, 'NHWC', d) : tf.conv2d(a, b, 1, pad, 'NHWC', d);
    const run = () => {
      const out =
        pass === 'forward' ? conv(xt, wt)
        : pass === 'input gradient' ? tf.grad((a) => conv(a as typeof xt, wt))(xt, gyt)
        : tf.grad((b) => conv(xt, b as typeof wt))(wt, gyt);
      out.dataSync();
      out.dispose();
    };
    return { run, dispose: () => (xt.dispose(), wt.dispose(), gyt.dispose()) };
  };
}

function convSuite(s: ConvShape, pass: Pass): Suite {
  const xShape = [s.N, s.Cin, s.H, s.W], wShape = [s.Cout, s.Cin / s.groups, s.kH, s.kW];
  const plan = conv2dGeometry(xShape, wShape, [s.Cout], { padding: s.pad, dilation: s.dilation, groups: s.groups });
  const g = plan.geom;
  const x = randomArray(s.N * s.Cin * s.H * s.W, 11), w = randomArray(s.Cout * (s.Cin / s.groups) * s.kH * s.kW, 12);
  const b = randomArray(s.Cout, 13), gy = randomArray(s.N * s.Cout * g.oH * g.oW, 14);
  const macs = s.N * s.Cout * (s.Cin / s.groups) * s.kH * s.kW * g.oH * g.oW;
  const peers: Suite['peers'] = {
    tfjsCpu: tfCase(s, pass, x, w, gy, g.oH, g.oW),
    tfjsWasm: tfCase(s, pass, x, w, gy, g.oH, g.oW),
  };
  if (pass === 'forward') {
    peers.jax = ({ jax }) => {
      const np = jax.numpy;
      const xj = np.array(x).reshape(xShape), wj = np.array(w).reshape(wShape);
      const padding: [number, number][] = [[s.pad[0], s.pad[0]], [s.pad[1], s.pad[1]]];
      return {
        run: async () => {
          const y = jax.lax.convGeneralDilated(xj.ref, wj.ref, [1, 1], padding, { rhsDilation: [s.dilation, s.dilation], featureGroupCount: s.groups });
          await y.data();
        },
        dispose: () => (xj.dispose(), wj.dispose()),
      };
    };
  }
  return {
    name: `conv ${s.label}: ${pass}`,
    flops: 2 * macs,
    quick: s.quick,
    iterations: 10,
    ours: () => {
      if (pass === 'forward') return () => void convForward(x, w, b, g, plan.outShape, 'float32');
      if (pass === 'input gradient') return () => void convInputGrad(gy, w, g, xShape, 'float32');
      return () => void convWeightGrad(gy, x, g, wShape, 'float32');
    },
    peers,
  };
}

export function convOpSuites(): Suite[] {
  return shapes.flatMap((s) => (['forward', 'input gradient', 'weight gradient'] as const).map((p) => convSuite(s, p)));
}
