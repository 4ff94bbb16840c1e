/**
 * The native anchor of the forward suite: onnxruntime-node (its CPU execution provider, native MLAS kernels) runs
 * the ONNX file our own `saveOnnx` writes for the very model the suite times, on as many intra-op threads as ours.
 * The file goes to a temporary folder outside the timing; each run feeds the same input and checks the output
 * shape. The session is released after its runs (its threads spin while idle and would slow what comes next).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMSUnet, Generator, randn, saveOnnx } from '../../src/node.js';
import type { PeerCase } from '../suite.js';
import type { WholeModelWork } from './amsunet-tfjs.js';

export function ortForwardPeer(w: WholeModelWork): PeerCase {
  return async ({ ort }, { threads }) => {
    const g = new Generator(w.seed);
    const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: w.baseC, generator: g }).eval();
    const x = randn([w.batch, 3, w.size, w.size], { generator: g });
    const dir = mkdtempSync(join(tmpdir(), 'amsunet-bench-'));
    const file = join(dir, 'amsunet.onnx');
    try {
      saveOnnx(file, model, { inputShape: [w.batch, 3, w.size, w.size] });
      const session = await ort.InferenceSession.create(file, {
        executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
      });
      const input = new ort.Tensor('float32', Float32Array.from(x.data), [w.batch, 3, w.size, w.size]);
      return {
        run: async () => {
          const { out } = await session.run({ input });
          if (out.dims.join() !== [w.batch, 2, w.size, w.size].join()) throw new Error(`onnxruntime: output is [${out.dims}]`);
          out.dispose();
        },
        dispose: () => void session.release(),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
