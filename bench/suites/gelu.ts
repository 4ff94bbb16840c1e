/**
 * Exact GELU over a float32 activation of AMSUnet's size (1x128x128x128, 2M elements), as an op would run it:
 * the wasm kernel when useWasmFor(x) (float32 on the wasm backend), else the js kernel. Peers: tfjs as
 * x·½·(1 + erf(x/√2)) (it has no gelu op), jax-js nn.gelu({ approximate: false }).
 */
import { geluWasm, useWasmFor } from '../../src/backend/index.js';
import { geluForward } from '../../src/kernels/activations.js';
import type { PeerCase, Suite } from '../suite.js';
import { randomArray } from './gemm.js';

export function geluSuite(quick: boolean): Suite {
  const n = 128 * 128 * 128;
  const x = randomArray(n, 5).map((v) => 8 * v);
  const tfCase: PeerCase = ({ tf }) => {
    const t = tf.tensor1d(x);
    return {
      run: () => {
        const y = tf.tidy(() => t.mul(0.5).mul(tf.erf(t.mul(Math.SQRT1_2)).add(1)));
        y.dataSync();
        y.dispose();
      },
      dispose: () => t.dispose(),
    };
  };
  return {
    name: `GELU (exact) on ${n} float32 elements`,
    flops: 0,
    quick,
    configs: [{ backend: 'js', threads: 1 }, { backend: 'wasm', threads: 1 }, { backend: 'wasm', threads: 'all' }],
    ours: () => {
      const y = new Float32Array(n);
      return () => (useWasmFor(x) ? geluWasm(y, x) : geluForward(y, x));
    },
    peers: {
      tfjsCpu: tfCase,
      tfjsWasm: tfCase,
      jax: ({ jax }) => {
        const t = jax.numpy.array(x);
        return {
          run: async () => {
            await jax.nn.gelu(t.ref, { approximate: false }).data();
          },
          dispose: () => t.dispose(),
        };
      },
    },
  };
}
