/**
 * The matrix products of AMSUnet's heaviest 1x1 conv (64 -> 256 channels at 128x128, one sample), as our gemm()
 * sees them: forward Y = W·X, input gradient gX = Wᵀ·gY, weight gradient gW = gY·Xᵀ. The same products in the
 * peers (their matmul with transpose flags).
 */
import { gemm } from '../../src/backend/index.js';
import type { PeerCase, Suite } from '../suite.js';
import { randomArray } from './gemm.js';

interface Product {
  label: string;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
}

const Cin = 64, Cout = 256, HW = 128 * 128;
const products: Product[] = [
  { label: 'forward W·X', M: Cout, N: HW, K: Cin, transA: false, transB: false },
  { label: 'grad input Wᵀ·gY', M: Cin, N: HW, K: Cout, transA: true, transB: false },
  { label: 'grad weight gY·Xᵀ', M: Cout, N: Cin, K: HW, transA: false, transB: true },
];

function productSuite(q: Product, quick: boolean): Suite {
  const { M, N, K, transA, transB } = q;
  const a = randomArray(M * K, 3), b = randomArray(K * N, 4);
  const aShape: [number, number] = transA ? [K, M] : [M, K], bShape: [number, number] = transB ? [N, K] : [K, N];
  const tfCase: PeerCase = ({ tf }) => {
    const x = tf.tensor2d(a, aShape), y = tf.tensor2d(b, bShape);
    return {
      run: () => {
        const z = tf.matMul(x, y, transA, transB);
        z.dataSync();
        z.dispose();
      },
      dispose: () => (x.dispose(), y.dispose()),
    };
  };
  return {
    name: `1x1 conv ${Cin}->${Cout} at 128x128 as GEMM: ${q.label} (M ${M}, N ${N}, K ${K})`,
    flops: 2 * M * N * K,
    quick,
    ours: () => {
      const c = new Float32Array(M * N);
      const p = { M, N, K, a, aOffset: 0, lda: aShape[1], transA, b, bOffset: 0, ldb: bShape[1], transB,
        c, cOffset: 0, ldc: N, accumulate: false };
      return () => gemm(p);
    },
    peers: {
      tfjsCpu: tfCase,
      tfjsWasm: tfCase,
      jax: ({ jax }) => {
        const np = jax.numpy;
        const x = np.array(a).reshape(aShape), y = np.array(b).reshape(bShape);
        return {
          run: async () => {
            const xs = transA ? x.ref.transpose() : x.ref, ys = transB ? y.ref.transpose() : y.ref;
            await np.matmul(xs, ys).data();
          },
          dispose: () => (x.dispose(), y.dispose()),
        };
      },
    },
  };
}

export function gemmShapeSuites(quick: boolean): Suite[] {
  return products.map((q) => productSuite(q, quick));
}
