/**
 * Ops a user reaches for outside AMSUnet's own layers, on a 2x32x256x256 float32 activation (4 M elements) as they
 * run inside a Module's forward or a tidy (the inputs are heap views on the wasm backend). One suite per op; peers do
 * the same op on the same data (NCHW; tfjs's nearest resize wants NHWC, so its input is NHWC of the same size).
 * What changed and why: the README's "More everyday ops (session 10)".
 */
import { tidy } from '../../src/autograd/tidy.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { tensor } from '../../src/tensor/create.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as ops from '../../src/ops/index.js';
import type { PeerCase, Suite } from '../suite.js';
import type { PeerLibs } from '../peers.js';
import { randomArray } from './gemm.js';

const SHAPE = [2, 32, 256, 256] as const;
const N = SHAPE.reduce((a, d) => a * d, 1);

/** Our inputs: x, y full-size (heap views on wasm), c per channel [1, C, 1, 1]. */
interface Inputs {
  x: Tensor;
  y: Tensor;
  c: Tensor;
}

type TfLib = PeerLibs['tf'];
type TfTensor = ReturnType<TfLib['tensor']>;
type JaxLib = PeerLibs['jax'];
type JaxArray = ReturnType<JaxLib['numpy']['array']>;

interface OpCase {
  name: string;
  ours: (t: Inputs) => Tensor;
  tf?: (tf: TfLib, t: { x: TfTensor; y: TfTensor; c: TfTensor; nhwc: TfTensor }) => TfTensor;
  jax?: (np: JaxLib['numpy'], t: { x: JaxArray; y: JaxArray; c: JaxArray }) => JaxArray;
}

const cases: OpCase[] = [
  { name: 'maximum(x, c), c [1, C, 1, 1]', ours: ({ x, c }) => ops.maximum(x, c), tf: (tf, { x, c }) => tf.maximum(x, c), jax: (np, { x, c }) => np.maximum(x.ref, c.ref) },
  { name: 'where(gt(x, 0), x, y)', ours: ({ x, y }) => ops.where(ops.gt(x, 0), x, y), tf: (tf, { x, y }) => tf.where(tf.greater(x, 0), x, y),
    jax: (np, { x, y }) => np.where(np.greater(x.ref, 0), x.ref, y.ref) },
  { name: 'permute(x, [0, 2, 3, 1])', ours: ({ x }) => ops.permute(x, [0, 2, 3, 1]), tf: (tf, { x }) => tf.transpose(x, [0, 2, 3, 1]),
    jax: (np, { x }) => np.transpose(x.ref, [0, 2, 3, 1]) },
  { name: 'interpolate(x, nearest x2)', ours: ({ x }) => ops.interpolate(x, { scaleFactor: 2, mode: 'nearest' }),
    tf: (tf, { nhwc }) => tf.image.resizeNearestNeighbor(nhwc as never, [512, 512]) },
  { name: 'pow(x, 2)', ours: ({ x }) => ops.pow(x, 2), tf: (tf, { x }) => tf.square(x), jax: (np, { x }) => np.square(x.ref) },
  { name: 'neg(x)', ours: ({ x }) => ops.neg(x), tf: (tf, { x }) => tf.neg(x), jax: (np, { x }) => np.negative(x.ref) },
  { name: 'max(x, 1)', ours: ({ x }) => ops.max(x, 1), tf: (tf, { x }) => tf.max(x, 1), jax: (np, { x }) => np.max(x.ref, 1) },
  { name: 'mean(x, 1)', ours: ({ x }) => ops.mean(x, 1), tf: (tf, { x }) => tf.mean(x, 1), jax: (np, { x }) => np.mean(x.ref, 1) },
  { name: 'softmax(x, 1)', ours: ({ x }) => ops.softmax(x, 1) },
];

function opSuite(c: OpCase, xs: Float32Array, ys: Float32Array, cs: Float32Array): Suite {
  const tfCase: PeerCase | undefined = c.tf && (({ tf }) => {
    const t = { x: tf.tensor(xs, [...SHAPE]), y: tf.tensor(ys, [...SHAPE]), c: tf.tensor(cs, [1, 32, 1, 1]), nhwc: tf.tensor(xs, [2, 256, 256, 32]) };
    return {
      run: () => {
        const out = tf.tidy(() => c.tf!(tf, t));
        out.dataSync();
        out.dispose();
      },
      dispose: () => Object.values(t).forEach((v) => v.dispose()),
    };
  });
  const jaxCase: PeerCase | undefined = c.jax && (({ jax }) => {
    const np = jax.numpy;
    const t = { x: np.array(xs).reshape([...SHAPE]), y: np.array(ys).reshape([...SHAPE]), c: np.array(cs).reshape([1, 32, 1, 1]) };
    return {
      run: async () => {
        await c.jax!(np, t).data();
      },
      dispose: () => Object.values(t).forEach((v) => v.dispose()),
    };
  });
  return {
    name: `${c.name} on 2x32x256² float32`,
    flops: 0,
    quick: false,
    configs: [{ backend: 'js', threads: 1 }, { backend: 'wasm', threads: 1 }, { backend: 'wasm', threads: 'all' }],
    ours: () => {
      // clone: tensor() keeps the caller's array; a copy made in a scope is a heap view, as a Module's activations are
      const inputs = tidy(() => ({ x: ops.clone(tensor(xs, [...SHAPE])), y: ops.clone(tensor(ys, [...SHAPE])), c: tensor(cs, [1, 32, 1, 1]) }));
      return () => void tidy(() => noGrad(() => c.ours(inputs)));
    },
    peers: { tfjsWasm: tfCase, jax: jaxCase },
  };
}

export function everydayOpSuites(): Suite[] {
  const xs = randomArray(N, 11), ys = randomArray(N, 12), cs = randomArray(32, 13);
  return cases.map((c) => opSuite(c, xs, ys, cs));
}
