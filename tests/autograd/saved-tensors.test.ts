/**
 * record()'s `saved` lists: an op that says its backward does not read a tensor lets that tensor be released when
 * the Module forward that made it ends (src/autograd/lifetimes.ts). A wrong list would hand a buffer some backward
 * still reads to the next tensor. Each op with a list runs inside a Module on intermediates made there, with
 * released buffers poisoned (NaN), and must give the bits of the same computation outside any Module (where
 * nothing is released); the run must also have released something, or it checked nothing.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { randint, randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import {
  add, addN, adaptiveAvgPool2d, avgPool2d, batchNorm2d, cat, conv2d, convTranspose2d, exp, gelu, interpolate, mul, relu, sigmoid, sub, sum, tanh,
} from '../../src/ops/index.js';
import { Module } from '../../src/nn/module.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { bufferPoolStats, resetBufferPoolStats } from '../../src/tensor/buffer-pool.js';
import { usePoisonedPool } from '../poison.js';

usePoisonedPool();

const S = [1, 4, 64, 64]; // 16384 elements: big enough to be tracked, released and pooled
const g = new Generator(21);
// weights that require grad: a conv's weight gradient is what reads its input
const w3 = randn([4, 4, 3, 3], { generator: g }).requiresGrad_();
const dw3 = randn([4, 1, 3, 3], { generator: g }).requiresGrad_();
const wt = randn([4, 2, 2, 2], { generator: g }).requiresGrad_();
const gamma = randn([4], { generator: g });
const beta = randn([4], { generator: g });
const runMean = randn([4], { generator: g });
const runVar = randn([4], { generator: g }).abs();
const labels = randint(0, 4, [1, 64, 64], { generator: g });

/** ops given two intermediates a, b of shape S */
const cases: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  add: (a, b) => add(a, b),
  sub: (a, b) => sub(a, b),
  mul: (a, b) => mul(a, b),
  addN: (a, b) => addN([a, b, a]),
  cat: (a, b) => cat([a, b], 1),
  'interpolate bilinear': (a) => interpolate(a, { size: [96, 80], mode: 'bilinear' }),
  'interpolate nearest': (a) => interpolate(a, { scaleFactor: 2 }),
  adaptiveAvgPool2d: (a) => adaptiveAvgPool2d(a, 3),
  avgPool2d: (a) => avgPool2d(a, 2),
  conv2d: (a) => conv2d(a, w3, null, { padding: 1 }),
  'conv2d depth-wise dilated': (a) => conv2d(a, dw3, null, { padding: 2, dilation: 2, groups: 4 }),
  'conv2d reflect': (a) => conv2d(a, w3, null, { padding: 1, paddingMode: 'reflect' }),
  convTranspose2d: (a) => convTranspose2d(a, wt, null, { stride: 2 }),
  batchNorm2d: (a) => batchNorm2d(a, null, null, gamma, beta, { training: true }),
  gelu: (a) => gelu(a),
  // gelu's output saved by its consumer: released with the forward and made again for that backward
  'gelu remade for mul': (a, b) => mul(gelu(a), b),
  'gelu of gelu remade': (a, b) => mul(gelu(gelu(a)), b),
  'gelu tanh remade for conv2d': (a) => conv2d(gelu(a, { approximate: 'tanh' }), w3, null, { padding: 1 }),
  'batchNorm2d remade for conv2d': (a) => conv2d(batchNorm2d(a, null, null, gamma, beta, { training: true }), w3, null, { padding: 1 }),
  'batchNorm2d (eval) remade for mul': (a, b) => mul(batchNorm2d(a, runMean, runVar, gamma, beta), b),
  'mul remade for conv2d': (a, b) => conv2d(mul(a, b), w3, null, { padding: 1 }),
  'broadcast mul remade for mul': (a, b) => mul(mul(a, sigmoid(adaptiveAvgPool2d(b, 1))), b),
  // ops whose backward reads their input: they must read it when they run, not keep the forward's array
  'gelu remade for batchNorm2d': (a) => batchNorm2d(gelu(a), null, null, gamma, beta, { training: true }),
  'gelu remade for exp': (a) => exp(gelu(a)),
  'gelu remade for crossEntropy': (a, b) => mul(crossEntropy(gelu(a), labels), b),
  relu: (a) => relu(a),
  sigmoid: (a) => sigmoid(a),
  tanh: (a) => tanh(a),
};

/** out = op(x·p, x + q) + 1: both operands and the op's result are intermediates only the graph holds. */
function body(op: (a: Tensor, b: Tensor) => Tensor, x: Tensor, p: Tensor, q: Tensor): Tensor {
  return add(op(mul(x, p), add(x, q)), 1);
}

class Wrap extends Module {
  readonly p: Tensor;
  readonly q: Tensor;
  constructor(readonly op: (a: Tensor, b: Tensor) => Tensor) {
    super();
    const gen = new Generator(5);
    this.p = this.param('p', randn(S, { generator: gen }));
    this.q = this.param('q', randn(S, { generator: gen }));
  }
  forward(x: Tensor): Tensor {
    return body(this.op, x, this.p, this.q);
  }
}

function grads(op: (a: Tensor, b: Tensor) => Tensor, inModule: boolean): (number[] | null)[] {
  const net = new Wrap(op);
  const x = randn(S, { generator: new Generator(8) }).requiresGrad_();
  const out = inModule ? net.forward(x) : body(op, x, net.p, net.q);
  const w = randn(out.shape, { generator: new Generator(9) });
  sum(mul(out, w)).backward();
  return [x, net.p, net.q].map((t) => (t.grad ? Array.from(t.grad.data) : null)); // q has none for one-input ops
}

describe('an op inside a Module, its unread intermediates released and poisoned, gives the gradients of the same ops outside', () => {
  for (const [name, op] of Object.entries(cases)) {
    it(name, () => {
      const outside = grads(op, false);
      resetBufferPoolStats();
      const inside = grads(op, true);
      expect(bufferPoolStats().released).toBeGreaterThan(0);
      expect(inside).toEqual(outside);
    });
  }
});

describe('a remade gelu output', () => {
  class GeluThenMul extends Module {
    readonly p: Tensor;
    h: Tensor | null = null;
    constructor() {
      super();
      this.p = this.param('p', randn(S, { generator: new Generator(3) }));
    }
    forward(x: Tensor): Tensor {
      this.h = gelu(mul(x, this.p)); // stashed here only to watch its data come and go
      return mul(this.h, x);
    }
  }

  it('is released when the forward ends, made again for the backward that reads it, and released once used', () => {
    const net = new GeluThenMul();
    const x = randn(S, { generator: new Generator(4) }).requiresGrad_();
    const out = net.forward(x);
    expect(net.h!.isReleased).toBe(true);
    sum(out).backward();
    expect(net.h!.isReleased).toBe(true);
    const xr = randn(S, { generator: new Generator(4) }).requiresGrad_();
    sum(mul(gelu(mul(xr, net.p)), xr)).backward(); // the same ops outside any Module: nothing released
    expect(Array.from(x.grad!.data)).toEqual(Array.from(xr.grad!.data));
  });
});
