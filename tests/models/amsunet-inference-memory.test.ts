/**
 * An AMSUnet inference forward holds little more than one block's maps at a time: each stage releases what it has
 * consumed (src/autograd/lifetimes.ts: forwardChain, releaseConsumed). The decoder's Up stage kept its upsampled
 * map, both attention gates, the gated skip and the concatenation alive through its AMSE, whose FFN is the
 * forward's largest moment: at 256² the heap peaked at 176 MB, 107 MB with them released (the first call of a
 * process first-touches every page of that). Its own file: the heap's high-water mark is this process's.
 */
import { expect, it } from 'vitest';
import { getHeap } from '../../src/backend/index.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { smallInferenceCase } from '../helpers/inference-heap.js';

it('an eval forward peaks at under 4 of its largest activation in live heap regions (5.2 when Up held its maps)', () => {
  const { model, x, largest } = smallInferenceCase();
  noGrad(() => model.forward(x));
  expect(getHeap().usage().peakInUseBytes).toBeLessThanOrEqual(4 * largest); // 3.34x now
});
