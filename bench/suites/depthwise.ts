/**
 * Depth-wise convs at AMSUnet's shapes (forward, float32, stride 1, 'same' padding): 3x3 dilation 3 on 256 channels
 * at 32x32, and the 1x11 strip on 32 channels at 256x256. Rows "ours js" time the conv2d op on the js backend;
 * rows "ours wasm" time the wasm gather kernel (depthwiseGatherWasm) that conv2d can call for float32.
 * Peers: tfjs depthwiseConv2d (NHWC), jax-js lax.convGeneralDilated with featureGroupCount = C.
 */
import { conv2d, randn, Generator } from '../../src/index.js';
import { depthwiseGatherWasm, getBackend } from '../../src/backend/index.js';
import type { PeerCase, Suite } from '../suite.js';

interface Shape {
  C: number;
  H: number;
  W: number;
  kH: number;
  kW: number;
  d: number;
}

function depthwiseSuite(s: Shape, quick: boolean): Suite {
  const { C, H, W, kH, kW, d } = s;
  const pH = (d * (kH - 1)) / 2, pW = (d * (kW - 1)) / 2;
  const g = new Generator(3);
  const x = randn([1, C, H, W], { generator: g }), w = randn([C, 1, kH, kW], { generator: g }), b = randn([C], { generator: g });
  const dy: number[] = [], dx: number[] = [];
  for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) (dy.push(kh * d - pH), dx.push(kw * d - pW));
  const tfCase: PeerCase = ({ tf }) => {
    const xt = tf.tidy(() => tf.tensor4d(x.data as Float32Array, [1, C, H, W]).transpose([0, 2, 3, 1]) as import('@tensorflow/tfjs').Tensor4D);
    const wt = tf.tidy(() => tf.tensor4d(w.data as Float32Array, [C, 1, kH, kW]).transpose([2, 3, 0, 1]) as import('@tensorflow/tfjs').Tensor4D);
    return {
      run: () => {
        const y = tf.depthwiseConv2d(xt, wt, 1, 'same', 'NHWC', d);
        y.dataSync();
        y.dispose();
      },
      dispose: () => (xt.dispose(), wt.dispose()),
    };
  };
  return {
    name: `depth-wise ${kH}x${kW} dilation ${d} on ${C} channels at ${H}x${W}, forward`,
    flops: 2 * C * H * W * kH * kW,
    quick,
    configs: [{ backend: 'js', threads: 1 }, { backend: 'wasm', threads: 1 }, { backend: 'wasm', threads: 'all' }],
    ours: () => {
      const y = new Float32Array(C * H * W);
      const gather = { dst: y, src: x.data as Float32Array, w: w.data as Float32Array, bias: b.data as Float32Array, C, dy, dx,
        srcH: H, srcW: W, dstH: H, dstW: W };
      return () => void (getBackend() === 'wasm' ? depthwiseGatherWasm(gather) : conv2d(x, w, b, { padding: [pH, pW], dilation: d, groups: C }));
    },
    peers: {
      tfjsCpu: tfCase,
      tfjsWasm: tfCase,
      jax: ({ jax }) => {
        const np = jax.numpy;
        const xj = np.array(x.data as Float32Array).reshape([1, C, H, W]), wj = np.array(w.data as Float32Array).reshape([C, 1, kH, kW]);
        return {
          run: async () => {
            const y = jax.lax.convGeneralDilated(xj.ref, wj.ref, [1, 1], [[pH, pH], [pW, pW]], { rhsDilation: [d, d], featureGroupCount: C });
            await y.data();
          },
          dispose: () => (xj.dispose(), wj.dispose()),
        };
      },
    },
  };
}

export function depthwiseSuites(quick: boolean): Suite[] {
  return [
    depthwiseSuite({ C: 256, H: 32, W: 32, kH: 3, kW: 3, d: 3 }, quick),
    depthwiseSuite({ C: 32, H: 256, W: 256, kH: 1, kW: 11, d: 1 }, quick),
  ];
}
