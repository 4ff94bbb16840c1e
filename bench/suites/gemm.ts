/** GEMM C = A·B at n×n×n, float32: our gemm() from plain arrays (staging copies included), and each peer's matmul. */
import { gemm } from '../../src/backend/index.js';
import type { Suite } from '../suite.js';

/** Reproducible values in [-0.5, 0.5). */
export function randomArray(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  return x;
}

export function gemmSuite(n: number, quick: boolean): Suite {
  const a = randomArray(n * n, 1), b = randomArray(n * n, 2);
  return {
    name: `GEMM ${n}x${n}x${n} float32`,
    flops: 2 * n * n * n,
    quick,
    ours: () => {
      const c = new Float32Array(n * n);
      const p = { M: n, N: n, K: n, a, aOffset: 0, lda: n, transA: false, b, bOffset: 0, ldb: n, transB: false,
        c, cOffset: 0, ldc: n, accumulate: false };
      return () => gemm(p);
    },
    peers: {
      tfjsCpu: ({ tf }) => tfMatMul(tf, a, b, n),
      tfjsWasm: ({ tf }) => tfMatMul(tf, a, b, n),
      jax: ({ jax }) => {
        const np = jax.numpy;
        const x = np.array(a).reshape([n, n]), y = np.array(b).reshape([n, n]);
        return {
          run: async () => {
            await np.matmul(x.ref, y.ref).data();
          },
          dispose: () => (x.dispose(), y.dispose()),
        };
      },
    },
  };
}

function tfMatMul(tf: typeof import('@tensorflow/tfjs'), a: Float32Array, b: Float32Array, n: number) {
  const x = tf.tensor2d(a, [n, n]), y = tf.tensor2d(b, [n, n]);
  return {
    run: () => {
      const z = tf.matMul(x, y);
      z.dataSync();
      z.dispose();
    },
    dispose: () => (x.dispose(), y.dispose()),
  };
}
