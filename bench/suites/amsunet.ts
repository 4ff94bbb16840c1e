/**
 * Whole-model work at the sizes: AMSUnet forward (eval, no grad) and a training step (forward, CE + Dice,
 * backward, AdamW). Ours only for now: none of the peers can run this model as written (tfjs has no dilated conv
 * gradients, jax-js runs out of memory on the baseC 32 step; see issue 6); a peer forward in tfjs is future work.
 */
import { AMSUnet, AdamW, amsunetCriterion, noGrad, randint, randn, Generator } from '../../src/index.js';
import type { Config, Suite } from '../suite.js';

/** Multiply-adds of the baseC 32 forward at 1x3x256x256, from the issue (12 GFLOP). */
const FORWARD_FLOPS_C32_256 = 12e9;

const allThreads: Config[] = [{ backend: 'wasm', threads: 'all' }];
const fastConfigs: Config[] = [...allThreads, { backend: 'wasm', threads: 1 }];

export function forwardSuite(quick: boolean): Suite {
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
      return () => void noGrad(() => model.forward(x));
    },
    peers: {},
  };
}

export function trainStepSuite(baseC: number, batch: number, size: number, quick: boolean): Suite {
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
        loss.backward();
        opt.step();
      };
    },
    peers: {},
  };
}
