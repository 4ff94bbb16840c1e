/**
 * conv2dGelu (ops/conv2d.ts): gelu(conv2d(x, w, b)) for inference, with the GELU applied to each output plane as the
 * wasm depth-wise kernel finishes it. It must give the bits of the two ops on every path (depth-wise on the wasm
 * backend on 1, 2 and 3 threads, any other conv, float64, the js backend), record a graph like the two ops when
 * gradients are wanted, and AMSUnet's FFN, which uses it under noGrad, must give the bits of its plain chain.
 * Workers run the compiled dist/ (`npx tsc -p .` first when iterating).
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { conv2d, gelu } from '../../src/ops/index.js';
import { conv2dGelu } from '../../src/ops/conv2d.js';
import { getBackend, setBackend, setThreads, wasmFeatures } from '../../src/backend/index.js';
import { FFN } from '../../src/models/amsunet/ffn.js';
import { firstMismatch } from '../backend/gemm-problems.js';

afterAll(() => setThreads(1));

const depthwiseCase = fc.record({
  C: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 1, max: 40 }), W: fc.integer({ min: 1, max: 40 }),
  kH: fc.integer({ min: 1, max: 5 }), kW: fc.integer({ min: 1, max: 11 }), d: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(), seed: fc.nat(),
});

describe('conv2dGelu', () => {
  test.runIf(wasmFeatures().simd)('depth-wise on the wasm backend: the bits of gelu(conv2d(...)) on 1, 2 and 3 threads (float32)', () => {
    const saved = getBackend();
    setBackend('wasm');
    try {
      fc.assert(
        fc.property(depthwiseCase, (k) => {
          const g = new Generator(k.seed);
          // padding ⌈(k−1)·d/2⌉ each side keeps the output at least the input's size
          const padding: [number, number] = [Math.ceil(((k.kH - 1) * k.d) / 2), Math.ceil(((k.kW - 1) * k.d) / 2)];
          const x = randn([2, k.C, k.H, k.W], { generator: g }), w = randn([k.C, 1, k.kH, k.kW], { generator: g });
          const b = k.bias ? randn([k.C], { generator: g }) : null;
          const opts = { padding, dilation: k.d, groups: k.C };
          for (const threads of [1, 2, 3]) {
            setThreads(threads);
            noGrad(() => {
              const expected = gelu(conv2d(x, w, b, opts));
              expect(firstMismatch(conv2dGelu(x, w, b, opts).data, expected.data)).toBe(-1);
            });
          }
        }),
        { numRuns: 40, seed: 0xc0de },
      );
    } finally {
      setBackend(saved);
      setThreads(1);
    }
  });

  test.each([['wasm', 'float32'], ['wasm', 'float64'], ['js', 'float32']] as const)(
    'other convs (%s backend, %s): dense with reflect padding, strided, 1x1, and a depth-wise one: the bits of the two ops',
    (backend, dtype) => {
      if (backend === 'wasm' && !wasmFeatures().simd) return;
      const saved = getBackend();
      setBackend(backend);
      try {
        const g = new Generator(5);
        const cases = [
          { x: [1, 3, 17, 19], w: [4, 3, 3, 3], opts: { padding: 1, paddingMode: 'reflect' as const } },
          { x: [2, 4, 16, 16], w: [6, 4, 2, 2], opts: { stride: 2 } },
          { x: [1, 8, 9, 33], w: [5, 8, 1, 1], opts: {} },
          { x: [1, 12, 20, 24], w: [12, 1, 3, 3], opts: { padding: 1, groups: 12 } },
        ];
        for (const c of cases) {
          const x = randn(c.x, { dtype, generator: g }), w = randn(c.w, { dtype, generator: g }), b = randn([c.w[0]], { dtype, generator: g });
          noGrad(() => expect(firstMismatch(conv2dGelu(x, w, b, c.opts).data, gelu(conv2d(x, w, b, c.opts)).data)).toBe(-1));
        }
      } finally {
        setBackend(saved);
      }
    },
  );

  test('with gradients on and an input requiring grad it is the two recorded ops', () => {
    const g = new Generator(6);
    const x = randn([1, 4, 6, 7], { generator: g, requiresGrad: true }), w = randn([4, 1, 3, 3], { generator: g });
    const y = conv2dGelu(x, w, null, { padding: 1, groups: 4 });
    expect(y.requiresGrad).toBe(true);
    expect(firstMismatch(y.data, gelu(conv2d(x, w, null, { padding: 1, groups: 4 })).data)).toBe(-1);
  });

  test('AMSUnet FFN under noGrad (fused) gives the bits of its plain chain conv3(gelu(conv2(conv1(x)))), 1 and 2 threads', () => {
    const ffn = new FFN(8, new Generator(7)).eval();
    const x = randn([1, 8, 40, 36], { generator: new Generator(8) });
    for (const threads of [1, 2]) {
      setThreads(threads);
      noGrad(() => {
        const plain = ffn.conv3.forward(ffn.act.forward(ffn.conv2.forward(ffn.conv1.forward(x))));
        expect(firstMismatch(ffn.forward(x).data, plain.data)).toBe(-1);
      });
    }
    setThreads(1);
  });
});
