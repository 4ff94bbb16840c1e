/**
 * Whole-model work at the sizes: AMSUnet forward (eval, no grad) and a training step (forward, CE + Dice,
 * backward, AdamW). Peers: the same network, with our weights, in tfjs (bench/peers/amsunet-tfjs.ts; forward and train
 * step, whose row shows why tfjs refuses it), jax-js (bench/peers/amsunet-jax.ts; forward only) and, as the native
 * anchor of the forward, onnxruntime-node on our own ONNX export (bench/peers/amsunet-ort.ts). With --quick the
 * ~30 s-a-run peer forwards (tfjs-cpu, jax-js) are not timed.
 */
import { AMSUnet, AdamW, amsunetCriterion, noGrad, tidy, randint, randn, Generator } from '../../src/index.js';
import type { Config, Suite } from '../suite.js';
import { tfjsForwardPeer, tfjsTrainStepPeer } from '../peers/amsunet-tfjs.js';
import { jaxForwardPeer } from '../peers/amsunet-jax.js';
import { ortForwardPeer } from '../peers/amsunet-ort.js';

/** Multiply-adds of the baseC 32 forward at 1x3x256x256, from the issue (12 GFLOP). */
const FORWARD_FLOPS_C32_256 = 12e9;

const allThreads: Config[] = [{ backend: 'wasm', threads: 'all' }];
const fastConfigs: Config[] = [...allThreads, { backend: 'wasm', threads: 1 }];

export function forwardSuite(quick: boolean): Suite {
  const forwardWork = { baseC: 32, batch: 1, size: 256, seed: 0 };
  return {
    name: 'AMSUnet baseC 32 forward 1x3x256x256 (eval)',
    flops: FORWARD_FLOPS_C32_256,
    quick,
    iterations: quick ? 2 : 5,
    warmup: 1,
    configs: quick ? allThreads : [...fastConfigs, { backend: 'js', threads: 'all' }],
    ours: () => {
      const g = new Generator(0);
      const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 32, generator: g }).eval();
      const x = randn([1, 3, 256, 256], { generator: g });
      return () => tidy(() => noGrad(() => model.forward(x))).release();
    },
    peers: {
      ort: ortForwardPeer(forwardWork),
      tfjsCpu: tfjsForwardPeer({ ...forwardWork, skip: quick ? 'not timed with --quick (~30 s a run); run without --quick' : undefined }),
      tfjsWasm: tfjsForwardPeer(forwardWork),
      jax: jaxForwardPeer({ ...forwardWork, skip: quick ? 'not timed with --quick (~30 s first run, ~9 s after); run without --quick' : undefined }),
    },
  };
}

export function trainStepSuite(baseC: number, batch: number, size: number, quick: boolean): Suite {
  const work = { baseC, batch, size, seed: 1 };
  return {
    name: `AMSUnet baseC ${baseC} train step ${batch}x3x${size}x${size} (fwd + CE/Dice + bwd + AdamW)`,
    flops: 0,
    quick,
    iterations: quick ? 2 : 5,
    warmup: 1,
    configs: quick ? allThreads : fastConfigs,
    ours: () => {
      const g = new Generator(1);
      const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC, generator: g }).train();
      const opt = new AdamW(model.parameters(), { lr: 1e-3 });
      const x = randn([batch, 3, size, size], { generator: g });
      const y = randint(0, 2, [batch, size, size], { generator: g });
      return () => {
        opt.zeroGrad();
        const loss = amsunetCriterion(model.forward(x), y);
        loss.backward(undefined, { recycle: true });
        opt.step();
      };
    },
    peers: { tfjsCpu: tfjsTrainStepPeer(work), tfjsWasm: tfjsTrainStepPeer(work) },
  };
}
