/**
 * GEMM C = A·B at n×n×n, float32, two ways for us beside each peer's matmul on its own tensors (read back with
 * dataSync / data()):
 *   gemmSuite     our gemm() from plain Float32Arrays: the staging copies into the shared heap and back included
 *   matmulSuite   our matmul op on engine tensors (in the heap, as every tensor of a training step) and the product
 *                 copied out to a plain array: what the peers' rows do
 */
import { gemm } from '../../src/backend/index.js';
import { matmul } from '../../src/ops/matmul.js';
import { tidy } from '../../src/autograd/tidy.js';
import { Tensor } from '../../src/tensor/tensor.js';
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
    peers: peerMatMuls(a, b, n),
  };
}

/** The same product by our matmul op on tensors made inside a scope (so views of the shared heap); C copied out. */
export function matmulSuite(n: number, quick: boolean): Suite {
  const a = randomArray(n * n, 1), b = randomArray(n * n, 2);
  return {
    name: `GEMM ${n}x${n}x${n} float32, engine tensors (matmul op)`,
    flops: 2 * n * n * n,
    quick,
    ours: () => {
      // tensors made in a tidy come from the heap (on the wasm backend) and are kept by returning them
      const [x, y] = tidy(() => [new Tensor(Float32Array.from(a), [n, n]).clone(), new Tensor(Float32Array.from(b), [n, n]).clone()]);
      return () => {
        tidy(() => {
          matmul(x, y).data.slice(); // out to a plain array, as the peers' dataSync
        });
      };
    },
    peers: {},
  };
}

function peerMatMuls(a: Float32Array, b: Float32Array, n: number): Suite['peers'] {
  return {
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
