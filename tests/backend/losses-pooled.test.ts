/**
 * The loss kernels on the worker pool (src/backend/parallel/losses-pooled.ts, through src/backend/dispatch/losses.ts):
 * cross-entropy forward and backward, the softmax probabilities under the Dice statistics, and the Dice backward give
 * the single-thread loops' bits on 2 and 3 threads over many chunks, for float32 and float64 logits, with class
 * weights, label smoothing, ignored pixels and per-pixel upstream gradients; the pool is really used, and skipped
 * when the work is too small. Workers run the compiled dist/ (`npx tsc -p .` first when iterating).
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { setThreads } from '../../src/backend/index.js';
import { jsPoolChunks } from '../../src/backend/parallel/js-pooled.js';
import * as D from '../../src/backend/dispatch/losses.js';
import * as K from '../../src/kernels/losses.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { firstMismatch } from './gemm-problems.js';
import { randomArray } from '../helpers/random.js';
import { withPoolLog } from '../helpers/pool-log.js';
import { lossCaseArb } from '../helpers/loss-cases.js';

const defaults = { ...jsPoolChunks };
afterEach(() => Object.assign(jsPoolChunks, defaults));
afterAll(() => setThreads(1));

const IGNORE = 255;

const caseArb = fc
  .tuple(lossCaseArb({ maxS: 300, maxIgnoreEvery: 9, ignore: IGNORE, scale: 6 }), fc.boolean(), fc.integer({ min: 1, max: 64 }))
  .map(([c, f32, chunk]) => ({ ...c, z: f32 ? Float32Array.from(c.z) : c.z, chunk }));

/** Whether the drivers should pool this geometry at this chunk size (two chunks of logits or more). */
const pools = (g: K.LossGeom, chunk: number): boolean => Math.min(g.N * g.S, Math.floor((g.N * g.S * g.C) / chunk)) >= 2;

function expectSame(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(firstMismatch(a, b)).toBe(-1);
}

describe('pooled loss kernels', () => {
  test('cross-entropy forward and backward: the loops\' bits on 2 and 3 threads', () => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(caseArb, fc.boolean(), fc.constantFrom(0, 0.1), fc.boolean(), ({ g, z, target, seed, chunk }, weighted, smoothing, perPixel) => {
          jsPoolChunks.elementChunk = chunk;
          const P = g.N * g.S, Z = z.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
          const weight = weighted ? randomArray(Float64Array, g.C, seed + 1, 'uniform').map((v) => 1.5 + v) : null;
          const want = [new Float64Array(P), new Float64Array(P), new Float64Array(P)] as const;
          K.crossEntropyForward(...want, z, target, weight, IGNORE, smoothing, g);
          const got = [new Float64Array(P), new Float64Array(P), new Float64Array(P)] as const;
          const gyPixel = perPixel ? Z.from(randomArray(Float64Array, P, seed + 2)) : null;
          const [gzWant, gzGot] = [new Z(z.length), new Z(z.length)];
          K.crossEntropyBackward(gzWant, z, target, weight, IGNORE, smoothing, want[2], gyPixel, 0.7, g);
          const kernels = withPoolLog((log) => {
            D.crossEntropyForward(...got, z, target, weight, IGNORE, smoothing, g);
            D.crossEntropyBackward(gzGot, z, target, weight, IGNORE, smoothing, got[2], gyPixel, 0.7, g);
            return log;
          });
          for (let k = 0; k < 3; k++) expectSame(got[k], want[k]);
          expectSame(gzGot, gzWant);
          expect(kernels).toEqual(pools(g, chunk) ? ['crossEntropy.js', 'crossEntropyBackward.js'] : []);
        }),
        { numRuns: 40, seed: 0x1055 + threads },
      );
    }
  });

  test('Dice forward (probabilities pooled, sums in order) and backward: the loops\' bits on 2 and 3 threads', () => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(caseArb, ({ g, z, target, seed, chunk }) => {
          jsPoolChunks.elementChunk = chunk;
          const NC = g.N * g.C, Z = z.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
          const stats = () => [new Float64Array(NC), new Float64Array(NC), new Float64Array(NC), new Float64Array(z.length)] as const;
          const want = stats(), got = stats();
          K.diceForward(...want, z, target, IGNORE, g);
          const A = randomArray(Float64Array, NC, seed + 3) as Float64Array, B = randomArray(Float64Array, NC, seed + 4) as Float64Array;
          const [gzWant, gzGot] = [new Z(z.length), new Z(z.length)];
          K.diceBackward(gzWant, want[3], target, IGNORE, A, B, -0.3, g);
          const kernels = withPoolLog((log) => {
            D.diceForward(...got, z, target, IGNORE, g);
            D.diceBackward(gzGot, got[3], target, IGNORE, A, B, -0.3, g);
            return log;
          });
          for (let k = 0; k < 4; k++) expectSame(got[k], want[k]);
          expectSame(gzGot, gzWant);
          expect(kernels).toEqual(pools(g, chunk) ? ['softmaxProbs.js', 'diceBackward.js'] : []);
        }),
        { numRuns: 40, seed: 0xd1ce + threads },
      );
    }
  });

  test('the AMSUnet criterion at default chunk sizes: pooled on 2 threads, the bits of 1 thread (loss and gradient)', () => {
    const [N, C, H, W] = [2, 2, 96, 128]; // 49,152 logits: 3 chunks of the default size
    const z = randomArray(Float32Array, N * C * H * W, 7).map((v) => 4 * v);
    const t = new Int32Array(N * H * W);
    for (let i = 0; i < t.length; i++) t[i] = i % 13 === 0 ? IGNORE : (i * 5) % 7 < 3 ? 1 : 0;
    const run = (threads: number) => {
      setThreads(threads);
      const logits = new Tensor(z.slice(), [N, C, H, W]).requiresGrad_();
      return withPoolLog((log) => {
        const loss = amsunetCriterion(logits, new Tensor(t, [N, H, W]));
        loss.backward();
        return { loss: loss.item(), grad: logits.grad!.data, log: [...log] };
      });
    };
    const one = run(1), two = run(2);
    expect(Object.is(two.loss, one.loss)).toBe(true);
    expectSame(two.grad, one.grad);
    const lossKernels = ['crossEntropy.js', 'crossEntropyBackward.js', 'softmaxProbs.js', 'diceBackward.js'];
    expect(two.log.filter((k) => lossKernels.includes(k)).sort()).toEqual([...lossKernels].sort());
    expect(one.log.filter((k) => lossKernels.includes(k))).toEqual([]);
  });
});
