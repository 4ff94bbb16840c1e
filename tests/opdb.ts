/**
 * The op registry: one entry per exported differentiable op (src/ops/index.ts and the functional losses), each a
 * fast-check arbitrary of samples — inputs (float64, plus int32 targets) and how to call the op on them — that
 * the generic tests gradcheck in float64 (tests/autograd/gradcheck-opdb.test.ts) and run through checkFloat32.
 *
 * `opdb` is typed { [op in Differentiable]: OpCase }: an exported op without an entry (and not listed in
 * NOT_DIFFERENTIABLE with a reason) fails tsc, and the registry test fails at run time too.
 * Samples keep away from kinks (relu/abs at 0, max ties, log/sqrt near 0), as the gradient is undefined there.
 */
import fc from 'fast-check';
import * as ops from '../src/ops/index.js';
import * as losses from '../src/nn/losses.js';
import { Tensor, randn, randint, Generator, type Conv2dOptions, type PaddingMode, type Shape } from '../src/index.js';

export interface OpSample {
  /** Inputs in float64 (int32 for class targets); checkFloat32 casts the float ones. */
  readonly inputs: readonly Tensor[];
  /** The op applied to inputs (of any float dtype). */
  readonly call: (...xs: Tensor[]) => Tensor;
  /** Which inputs gradcheck differentiates (default every float input): a frozen input is left out. */
  readonly wrt?: readonly number[];
  /** Short description for messages. */
  readonly note: string;
}

export interface OpCase {
  readonly sample: fc.Arbitrary<OpSample>;
  /** fast-check runs (default 12). */
  readonly runs?: number;
  /** gradcheck in random-direction mode (for big samples). */
  readonly fast?: boolean;
}

/** Exported functions that are not differentiable ops, and why. */
export const NOT_DIFFERENTIABLE = {
  argmax: 'integer output',
  eq: 'boolean (0/1) output',
  ne: 'boolean (0/1) output',
  lt: 'boolean (0/1) output',
  le: 'boolean (0/1) output',
  gt: 'boolean (0/1) output',
  ge: 'boolean (0/1) output',
  detach: 'cuts the graph by definition',
  broadcastBinary: 'forward-only helper taking a scalar function (ops built on it have entries)',
  sumTo: 'backward helper: records no graph (its output never requires grad, even for an input that does)',
} as const;

type FunctionKeys<M> = { [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never }[keyof M];
export type Differentiable = Exclude<FunctionKeys<typeof ops> | FunctionKeys<typeof losses>, keyof typeof NOT_DIFFERENTIABLE>;

/* ---- input generators (all seeded) ---- */

const gen = (seed: number): Generator => new Generator(seed);
export const normal = (shape: Shape, seed: number): Tensor => randn(shape, { dtype: 'float64', generator: gen(seed) });
/** |x| ≥ 0.2 (away from the kink at 0 of relu, abs, maximum with 0). */
const awayFromZero = (shape: Shape, seed: number): Tensor => {
  const t = normal(shape, seed);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] += d[i] >= 0 ? 0.2 : -0.2;
  return t;
};
/** In [0.5, 2.5] (log, sqrt, reciprocal, pow's base, div's divisor). */
const positive = (shape: Shape, seed: number): Tensor => {
  const t = normal(shape, seed);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = 1.5 + Math.tanh(d[i]);
  return t;
};
/** Distinct values at least 0.1 apart in random order (max/min/maxPool without ties). */
const distinct = (shape: Shape, seed: number): Tensor => {
  const t = normal(shape, seed);
  const d = t.data;
  const order = Array.from(d, (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  order.forEach(([, i], rank) => (d[i] = 0.1 * (rank - order.length / 2) + 0.01 * Math.sin(i + seed)));
  return t;
};

const seedArb = fc.nat(1 << 20);
const dims = (min: number, max: number, minLen: number, maxLen: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min, max }), { minLength: minLen, maxLength: maxLen });

/** Two shapes that broadcast: b drops leading dims and sets some dims to 1; swapped at random. */
const broadcastPair = fc.tuple(dims(1, 3, 0, 3), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.nat(2), fc.boolean()).map(
  ([a, ones, drop, swap]) => {
    const b = a.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, a.length));
    return swap ? [b, a] : [a, b];
  },
);

/** An axis argument for a rank-r tensor: undefined (all), one axis (maybe negative), or a list. */
const axesFor = (rank: number): fc.Arbitrary<number | number[] | undefined> =>
  rank === 0
    ? fc.constant(undefined)
    : fc.oneof(fc.constant(undefined), fc.integer({ min: -rank, max: rank - 1 }), fc.uniqueArray(fc.integer({ min: 0, max: rank - 1 }), { minLength: 1, maxLength: rank }));

const unaryCase = (op: (x: Tensor) => Tensor, make: (s: Shape, seed: number) => Tensor, name: string): OpCase => ({
  sample: fc.tuple(dims(1, 4, 0, 3), seedArb).map(([s, seed]) => ({ inputs: [make(s, seed)], call: (x) => op(x), note: `${name} ${JSON.stringify(s)}` })),
});

const binaryCase = (op: (a: Tensor, b: Tensor) => Tensor, makeA: typeof normal, makeB: typeof normal, name: string): OpCase => ({
  sample: fc.tuple(broadcastPair, seedArb).map(([[sa, sb], seed]) => ({
    inputs: [makeA(sa, seed), makeB(sb, seed + 1)],
    call: (a, b) => op(a, b),
    note: `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
  })),
});

/* ---- convolution geometry (shared with the frozen-input conv tests) ---- */

export interface ConvSample {
  N: number; Cin: number; Cout: number; groups: number; kH: number; kW: number; H: number; W: number;
  options: Conv2dOptions; bias: boolean; frozen: boolean; seed: number;
}

/** Dense, grouped or depth-wise conv2d geometry with strides, dilations, padding (incl. 'same'/'valid') and modes. */
export const convGeometry = fc
  .record({
    N: fc.integer({ min: 1, max: 2 }),
    kind: fc.constantFrom('dense', 'grouped', 'depthwise'),
    a: fc.integer({ min: 1, max: 2 }),
    b: fc.integer({ min: 1, max: 2 }),
    kH: fc.integer({ min: 1, max: 3 }),
    kW: fc.integer({ min: 1, max: 4 }),
    sH: fc.integer({ min: 1, max: 2 }),
    sW: fc.integer({ min: 1, max: 3 }),
    dH: fc.integer({ min: 1, max: 3 }),
    dW: fc.integer({ min: 1, max: 2 }),
    pad: fc.oneof(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), fc.constantFrom<'same' | 'valid'>('same', 'valid')),
    mode: fc.constantFrom<PaddingMode>('zeros', 'zeros', 'reflect', 'replicate', 'circular'),
    extraH: fc.integer({ min: 0, max: 2 }),
    extraW: fc.integer({ min: 0, max: 2 }),
    bias: fc.boolean(),
    frozen: fc.boolean(),
    seed: seedArb,
  })
  .map((r): ConvSample => {
    const [groups, cinG, coutG] = r.kind === 'dense' ? [1, r.a, r.b] : r.kind === 'grouped' ? [2, r.a, r.b] : [r.a + 1, 1, 1];
    const same = r.pad === 'same';
    const [pH, pW] = typeof r.pad !== 'string' ? r.pad : same ? [Math.ceil((r.dH * (r.kH - 1)) / 2), Math.ceil((r.dW * (r.kW - 1)) / 2)] : [0, 0];
    // the padded input covers the dilated kernel; reflect needs pad < size, circular pad ≤ size
    const H = Math.max(r.dH * (r.kH - 1) + 1 - 2 * pH, 1, pH + 1) + r.extraH;
    const W = Math.max(r.dW * (r.kW - 1) + 1 - 2 * pW, 1, pW + 1) + r.extraW;
    return {
      N: r.N, Cin: cinG * groups, Cout: coutG * groups, groups, kH: r.kH, kW: r.kW, H, W, bias: r.bias, frozen: r.frozen, seed: r.seed,
      options: { stride: same ? 1 : [r.sH, r.sW], dilation: [r.dH, r.dW], padding: r.pad, groups, paddingMode: r.mode },
    };
  });

export const convInputs = (c: ConvSample): Tensor[] => [
  normal([c.N, c.Cin, c.H, c.W], c.seed),
  normal([c.Cout, c.Cin / c.groups, c.kH, c.kW], c.seed + 1),
  ...(c.bias ? [normal([c.Cout], c.seed + 2)] : []),
];

/** A frozen input (x not requiring grad) checks the weight and bias gradients on the path every first layer takes. */
const convWrt = (c: ConvSample): number[] | undefined => (c.frozen ? (c.bias ? [1, 2] : [1]) : undefined);

/** convTranspose2d geometry: stride, padding, output padding (< stride or dilation), dilation, groups. */
const convTransposeGeometry = fc
  .record({
    N: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 2 }), a: fc.integer({ min: 1, max: 2 }), b: fc.integer({ min: 1, max: 2 }),
    kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 2 }),
    p: fc.integer({ min: 0, max: 1 }), op: fc.nat(2), H: fc.integer({ min: 1, max: 4 }), W: fc.integer({ min: 1, max: 4 }),
    bias: fc.boolean(), frozen: fc.boolean(), seed: seedArb,
  })
  .map((r) => {
    const outputPadding = Math.min(r.op, Math.max(r.s, r.d) - 1);
    const padding = Math.min(r.p, r.d * (Math.min(r.kH, r.kW) - 1));
    return { ...r, Cin: r.a * r.groups, Cout: r.b * r.groups, options: { stride: r.s, dilation: r.d, padding, outputPadding, groups: r.groups } };
  });

const image = fc.record({ N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 6 }), W: fc.integer({ min: 1, max: 6 }), seed: seedArb });

/** Class logits [N, C, H, W] with int32 targets [N, H, W] (some pixels = ignoreIndex). */
const segmentation = (ignoreIndex: number) =>
  fc.record({ N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 2, max: 4 }), H: fc.integer({ min: 1, max: 4 }), W: fc.integer({ min: 1, max: 4 }), seed: seedArb }).map((r) => {
    const target = randint(0, r.C, [r.N, r.H, r.W], { generator: gen(r.seed + 1) });
    if (target.size > 2) target.data[1] = ignoreIndex;
    return { r, logits: normal([r.N, r.C, r.H, r.W], r.seed), target };
  });

export const opdb: { readonly [K in Differentiable]: OpCase } = {
  add: binaryCase(ops.add, normal, normal, 'add'),
  sub: binaryCase(ops.sub, normal, normal, 'sub'),
  mul: binaryCase(ops.mul, normal, normal, 'mul'),
  div: binaryCase(ops.div, normal, positive, 'div'),
  pow: binaryCase(ops.pow, positive, normal, 'pow'),
  // a and b are ≥ 0.05 apart everywhere: a from [-∞, -0.2] ∪ [0.2, ∞], b = a's mirror image shifted
  maximum: binaryCase(ops.maximum, awayFromZero, (s, seed) => ops.mul(awayFromZero(s, seed), 0.5), 'maximum'),
  minimum: binaryCase(ops.minimum, awayFromZero, (s, seed) => ops.mul(awayFromZero(s, seed), 0.5), 'minimum'),
  neg: unaryCase(ops.neg, normal, 'neg'),
  exp: unaryCase(ops.exp, normal, 'exp'),
  log: unaryCase(ops.log, positive, 'log'),
  sqrt: unaryCase(ops.sqrt, positive, 'sqrt'),
  abs: unaryCase(ops.abs, awayFromZero, 'abs'),
  square: unaryCase(ops.square, normal, 'square'),
  reciprocal: unaryCase(ops.reciprocal, positive, 'reciprocal'),
  unary: {
    sample: fc.tuple(fc.constantFrom(...(Object.keys(ops.unaryTable) as (keyof typeof ops.unaryTable)[])), dims(1, 3, 0, 2), seedArb).map(([name, s, seed]) => ({
      inputs: [positive(s, seed)],
      call: (x) => ops.unary(name, x),
      note: `unary ${name}`,
    })),
  },
  sum: {
    sample: dims(1, 3, 0, 3).chain((s) => fc.tuple(fc.constant(s), axesFor(s.length), fc.boolean(), seedArb)).map(([s, axis, keepdim, seed]) => ({
      inputs: [normal(s, seed)], call: (x) => ops.sum(x, axis, { keepdim }), note: `sum ${JSON.stringify(s)} axis ${JSON.stringify(axis)}`,
    })),
  },
  mean: {
    sample: dims(1, 3, 0, 3).chain((s) => fc.tuple(fc.constant(s), axesFor(s.length), fc.boolean(), seedArb)).map(([s, axis, keepdim, seed]) => ({
      inputs: [normal(s, seed)], call: (x) => ops.mean(x, axis, { keepdim }), note: `mean ${JSON.stringify(s)} axis ${JSON.stringify(axis)}`,
    })),
  },
  max: {
    sample: dims(1, 3, 0, 3).chain((s) => fc.tuple(fc.constant(s), axesFor(s.length), fc.boolean(), seedArb)).map(([s, axis, keepdim, seed]) => ({
      inputs: [distinct(s, seed)], call: (x) => ops.max(x, axis, { keepdim }), note: `max ${JSON.stringify(s)} axis ${JSON.stringify(axis)}`,
    })),
  },
  min: {
    sample: dims(1, 3, 0, 3).chain((s) => fc.tuple(fc.constant(s), axesFor(s.length), fc.boolean(), seedArb)).map(([s, axis, keepdim, seed]) => ({
      inputs: [distinct(s, seed)], call: (x) => ops.min(x, axis, { keepdim }), note: `min ${JSON.stringify(s)} axis ${JSON.stringify(axis)}`,
    })),
  },
  where: {
    sample: fc.tuple(broadcastPair, seedArb).map(([[sa, sb], seed]) => {
      const cond = ops.gt(normal(sa, seed + 7), 0);
      return { inputs: [normal(sa, seed), normal(sb, seed + 1)], call: (a, b) => ops.where(cond, a, b), note: `where ${JSON.stringify(sa)} ${JSON.stringify(sb)}` };
    }),
  },
  reshape: {
    sample: fc.tuple(dims(1, 3, 1, 3), seedArb).map(([s, seed]) => {
      const n = s.reduce((p, d) => p * d, 1);
      return { inputs: [normal(s, seed)], call: (x) => ops.reshape(x, [n, 1]), note: `reshape ${JSON.stringify(s)}` };
    }),
  },
  view: {
    sample: fc.tuple(dims(1, 3, 1, 3), seedArb).map(([s, seed]) => ({ inputs: [normal(s, seed)], call: (x) => ops.view(x, [-1]), note: `view ${JSON.stringify(s)}` })),
  },
  flatten: {
    sample: fc.tuple(dims(1, 3, 2, 4), seedArb).map(([s, seed]) => ({ inputs: [normal(s, seed)], call: (x) => ops.flatten(x, 1), note: `flatten ${JSON.stringify(s)}` })),
  },
  squeeze: {
    sample: fc.tuple(dims(1, 2, 1, 4), seedArb).map(([s, seed]) => ({ inputs: [normal(s, seed)], call: (x) => ops.squeeze(x), note: `squeeze ${JSON.stringify(s)}` })),
  },
  unsqueeze: {
    sample: fc.tuple(dims(1, 3, 0, 3), seedArb).chain(([s, seed]) =>
      fc.integer({ min: 0, max: s.length }).map((axis) => ({ inputs: [normal(s, seed)], call: (x: Tensor) => ops.unsqueeze(x, axis), note: `unsqueeze ${JSON.stringify(s)} at ${axis}` })),
    ),
  },
  expand: {
    sample: fc.tuple(broadcastPair, seedArb).map(([[a, b], seed]) => {
      const big = a.length >= b.length ? a : b;
      const small = big === a ? b : a;
      const full = big.map((d, i) => Math.max(d, small[i - (big.length - small.length)] ?? 1));
      return { inputs: [normal(small, seed)], call: (x) => ops.expand(x, full), note: `expand ${JSON.stringify(small)} → ${JSON.stringify(full)}` };
    }),
  },
  permute: {
    sample: fc.tuple(dims(1, 3, 1, 4), seedArb).chain(([s, seed]) =>
      fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }).map((perm) => ({
        inputs: [normal(s, seed)], call: (x: Tensor) => ops.permute(x, perm), note: `permute ${JSON.stringify(s)} ${JSON.stringify(perm)}`,
      })),
    ),
  },
  transpose: {
    sample: fc.tuple(dims(1, 3, 2, 3), seedArb).map(([s, seed]) => ({ inputs: [normal(s, seed)], call: (x) => ops.transpose(x, 0, -1), note: `transpose ${JSON.stringify(s)}` })),
  },
  slice: {
    sample: fc.tuple(dims(2, 5, 1, 3), fc.integer({ min: 1, max: 2 }), seedArb).map(([s, step, seed]) => ({
      inputs: [normal(s, seed)], call: (x) => ops.slice(x, -1, 1, undefined, step), note: `slice ${JSON.stringify(s)} 1::${step}`,
    })),
  },
  narrow: {
    sample: fc.tuple(dims(2, 4, 1, 3), seedArb).map(([s, seed]) => ({ inputs: [normal(s, seed)], call: (x) => ops.narrow(x, 0, 1, s[0] - 1), note: `narrow ${JSON.stringify(s)}` })),
  },
  cat: {
    sample: fc.tuple(dims(1, 3, 1, 3), fc.integer({ min: 1, max: 3 }), seedArb).map(([s, k, seed]) => {
      const other = s.map((d, i) => (i === 0 ? k : d));
      return { inputs: [normal(s, seed), normal(other, seed + 1)], call: (a, b) => ops.cat([a, b], 0), note: `cat ${JSON.stringify(s)} ${JSON.stringify(other)}` };
    }),
  },
  stack: {
    sample: fc.tuple(dims(1, 3, 0, 3), seedArb).chain(([s, seed]) =>
      fc.integer({ min: 0, max: s.length }).map((axis) => ({
        inputs: [normal(s, seed), normal(s, seed + 1), normal(s, seed + 2)], call: (a: Tensor, b: Tensor, c: Tensor) => ops.stack([a, b, c], axis), note: `stack ${JSON.stringify(s)} at ${axis}`,
      })),
    ),
  },
  clone: unaryCase(ops.clone, normal, 'clone'),
  // to float64: the identity on gradcheck's float64 inputs, a graph node (float32 → float64) under checkFloat32
  cast: unaryCase((x) => ops.cast(x, 'float64'), normal, 'cast'),
  matmul: {
    sample: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), seedArb).map(([batch, m, k, n, seed]) => {
      const lead = batch ? [batch] : [];
      return { inputs: [normal([...lead, m, k], seed), normal([k, n], seed + 1)], call: (a, b) => ops.matmul(a, b), note: `matmul ${batch}×${m}×${k} @ ${k}×${n}` };
    }),
  },
  softmax: {
    sample: fc.tuple(dims(1, 4, 1, 3), seedArb).map(([s, seed]) => ({ inputs: [normal(s, seed)], call: (x) => ops.softmax(x, -1), note: `softmax ${JSON.stringify(s)}` })),
  },
  logSoftmax: {
    sample: fc.tuple(dims(1, 4, 1, 3), seedArb).map(([s, seed]) => ({ inputs: [normal(s, seed)], call: (x) => ops.logSoftmax(x, 0), note: `logSoftmax ${JSON.stringify(s)}` })),
  },
  conv2d: {
    runs: 25,
    sample: convGeometry.map((c) => ({
      inputs: convInputs(c),
      call: (x, w, b) => ops.conv2d(x, w, b ?? null, c.options),
      wrt: convWrt(c),
      note: `conv2d ${JSON.stringify(c)}`,
    })),
  },
  convTranspose2d: {
    runs: 20,
    sample: convTransposeGeometry.map((c) => ({
      inputs: [normal([c.N, c.Cin, c.H, c.W], c.seed), normal([c.Cin, c.Cout / c.groups, c.kH, c.kW], c.seed + 1), ...(c.bias ? [normal([c.Cout], c.seed + 2)] : [])],
      call: (x, w, b) => ops.convTranspose2d(x, w, b ?? null, c.options),
      wrt: c.frozen ? (c.bias ? [1, 2] : [1]) : undefined,
      note: `convTranspose2d ${JSON.stringify(c)}`,
    })),
  },
  pad: {
    sample: fc.tuple(image, fc.constantFrom('constant', 'reflect', 'replicate', 'circular') as fc.Arbitrary<ops.PadMode>, fc.nat(2), fc.nat(2)).map(([r, mode, a, b]) => {
      const lim = (n: number, p: number): number => (mode === 'reflect' ? Math.min(p, n - 1) : mode === 'circular' ? Math.min(p, n) : p);
      const pads = [lim(r.W, a), lim(r.W, b), lim(r.H, b), lim(r.H, a)];
      return { inputs: [normal([r.N, r.C, r.H, r.W], r.seed)], call: (x) => ops.pad(x, pads, mode === 'constant' ? { mode, value: 0.5 } : { mode }), note: `pad ${mode} ${JSON.stringify(pads)}` };
    }),
  },
  gelu: {
    sample: fc.tuple(dims(1, 4, 0, 3), fc.constantFrom<'none' | 'tanh'>('none', 'tanh'), seedArb).map(([s, approximate, seed]) => ({
      inputs: [ops.mul(normal(s, seed), 2)], call: (x) => ops.gelu(x, { approximate }), note: `gelu ${approximate}`,
    })),
  },
  relu: unaryCase(ops.relu, awayFromZero, 'relu'),
  sigmoid: unaryCase(ops.sigmoid, normal, 'sigmoid'),
  tanh: unaryCase(ops.tanh, normal, 'tanh'),
  leakyRelu: {
    sample: fc.tuple(dims(1, 4, 0, 3), fc.constantFrom(0.01, 0.2, -0.5, 1.5), seedArb).map(([s, slope, seed]) => ({
      inputs: [awayFromZero(s, seed)], call: (x) => ops.leakyRelu(x, slope), note: `leakyRelu slope ${slope}`,
    })),
  },
  silu: unaryCase(ops.silu, normal, 'silu'),
  batchNorm2d: {
    sample: fc.tuple(image, fc.boolean(), fc.boolean()).filter(([r, training]) => !training || r.N * r.H * r.W > 1).map(([r, training, affine]) => {
      const stats = training ? [] : [positive([r.C], r.seed + 3), positive([r.C], r.seed + 4)];
      const inputs = [normal([r.N, r.C, r.H, r.W], r.seed), ...(affine ? [normal([r.C], r.seed + 1), normal([r.C], r.seed + 2)] : [])];
      return {
        inputs,
        call: (x: Tensor, w?: Tensor, b?: Tensor) =>
          ops.batchNorm2d(x, stats[0] ? ops.cast(stats[0], x.dtype) : null, stats[1] ? ops.cast(stats[1], x.dtype) : null, w ?? null, b ?? null, { training }),
        note: `batchNorm2d training ${training} affine ${affine}`,
      };
    }),
  },
  groupNorm: {
    sample: fc.tuple(fc.record({ N: fc.integer({ min: 1, max: 2 }), G: fc.integer({ min: 1, max: 3 }), Cg: fc.integer({ min: 1, max: 3 }) }),
      dims(1, 4, 0, 2), fc.boolean(), fc.constantFrom(1e-5, 0.5), seedArb).map(([r, spatial, affine, eps, seed]) => {
      const C = r.G * r.Cg;
      const inputs = [normal([r.N, C, ...spatial], seed), ...(affine ? [normal([C], seed + 1), normal([C], seed + 2)] : [])];
      return {
        inputs,
        call: (x: Tensor, w?: Tensor, b?: Tensor) => ops.groupNorm(x, r.G, w ?? null, b ?? null, { eps }),
        note: `groupNorm [${r.N}, ${C}, ${spatial}] in ${r.G} groups, affine ${affine}, eps ${eps}`,
      };
    }),
  },
  layerNorm: {
    sample: fc.tuple(dims(1, 3, 0, 2), dims(1, 4, 1, 2), fc.boolean(), fc.constantFrom(1e-5, 0.5), seedArb).map(([lead, norm, affine, eps, seed]) => {
      const inputs = [normal([...lead, ...norm], seed), ...(affine ? [normal(norm, seed + 1), normal(norm, seed + 2)] : [])];
      return {
        inputs,
        call: (x: Tensor, w?: Tensor, b?: Tensor) => ops.layerNorm(x, norm, w ?? null, b ?? null, { eps }),
        note: `layerNorm [${lead}] x [${norm}], affine ${affine}, eps ${eps}`,
      };
    }),
  },
  interpolate: {
    sample: fc.tuple(image, fc.constantFrom('bilinear-true', 'bilinear-false', 'nearest'), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.boolean()).map(([r, m, oH, oW, byScale]) => {
      const [mode, align] = m.split('-') as ['bilinear' | 'nearest', string | undefined];
      const o: ops.InterpolateOptions = byScale ? { scaleFactor: [2, 1 + (oW % 3) * 0.5], mode } : { size: [oH, oW], mode };
      const options = mode === 'bilinear' ? { ...o, alignCorners: align === 'true' } : o;
      return { inputs: [normal([r.N, r.C, r.H, r.W], r.seed)], call: (x) => ops.interpolate(x, options), note: `interpolate ${JSON.stringify(options)}` };
    }),
  },
  adaptiveAvgPool2d: {
    sample: fc.tuple(image, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).map(([r, a, b]) => ({
      inputs: [normal([r.N, r.C, r.H, r.W], r.seed)], call: (x) => ops.adaptiveAvgPool2d(x, [a, b]), note: `adaptiveAvgPool2d → ${a}×${b}`,
    })),
  },
  avgPool2d: {
    sample: fc.tuple(image, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.boolean()).filter(([r, k]) => r.H >= k && r.W >= k).map(([r, k, s, countIncludePad, ceilMode]) => {
      const padding = Math.floor(k / 2);
      return { inputs: [normal([r.N, r.C, r.H, r.W], r.seed)], call: (x) => ops.avgPool2d(x, k, { stride: s, padding, countIncludePad, ceilMode }), note: `avgPool2d k${k} s${s} p${padding}` };
    }),
  },
  maxPool2d: {
    sample: fc.tuple(image, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.boolean()).filter(([r, k, , d]) => r.H >= d * (k - 1) + 1 && r.W >= d * (k - 1) + 1).map(([r, k, s, d, ceilMode]) => ({
      inputs: [distinct([r.N, r.C, r.H, r.W], r.seed)], call: (x) => ops.maxPool2d(x, k, { stride: s, dilation: d, padding: Math.floor(k / 2), ceilMode }), note: `maxPool2d k${k} s${s} d${d}`,
    })),
  },
  addN: {
    sample: fc.tuple(dims(1, 3, 0, 3), fc.integer({ min: 1, max: 4 }), seedArb).map(([s, n, seed]) => ({
      inputs: Array.from({ length: n }, (_, i) => normal(s, seed + i)), call: (...xs) => ops.addN(xs), note: `addN ${n} × ${JSON.stringify(s)}`,
    })),
  },
  crossEntropy: {
    sample: fc.tuple(segmentation(-100), fc.constantFrom<losses.Reduction>('mean', 'sum', 'none'), fc.constantFrom(0, 0.1), fc.boolean()).map(([{ r, logits, target }, reduction, labelSmoothing, weighted]) => {
      const weight = weighted ? Array.from({ length: r.C }, (_, i) => 0.5 + i / r.C) : null;
      return { inputs: [logits, target], call: (z, t) => losses.crossEntropy(z, t, { reduction, labelSmoothing, weight }), note: `crossEntropy ${reduction}` };
    }),
  },
  diceLoss: {
    sample: segmentation(255).map(({ logits, target }) => ({ inputs: [logits, target], call: (z, t) => losses.diceLoss(z, t), note: 'diceLoss' })),
  },
  mseLoss: {
    sample: fc.tuple(dims(1, 4, 0, 3), fc.constantFrom<losses.Reduction>('mean', 'sum', 'none'), seedArb).map(([s, reduction, seed]) => ({
      inputs: [normal(s, seed), normal(s, seed + 1)], call: (x, t) => losses.mseLoss(x, t, { reduction }), note: `mseLoss ${reduction}`,
    })),
  },
  l1Loss: {
    // the target keeps at least 0.2 from the input (the kink of |x − t|)
    sample: fc.tuple(dims(1, 4, 0, 3), fc.constantFrom<losses.Reduction>('mean', 'sum', 'none'), seedArb).map(([s, reduction, seed]) => {
      const x = normal(s, seed);
      return { inputs: [x, ops.sub(x, awayFromZero(s, seed + 1))], call: (u: Tensor, t: Tensor) => losses.l1Loss(u, t, { reduction }), note: `l1Loss ${reduction}` };
    }),
  },
  binaryCrossEntropyWithLogits: {
    sample: fc.tuple(dims(1, 4, 1, 3), fc.constantFrom<losses.Reduction>('mean', 'sum', 'none'), fc.boolean(), fc.boolean(), seedArb)
      .map(([s, reduction, weighted, posWeighted, seed]) => {
        const t = ops.sigmoid(normal(s, seed + 1)); // probabilities in (0, 1)
        const weight = weighted ? positive([s[s.length - 1]], seed + 2) : null;
        const posWeight = posWeighted ? positive(s.map((d, i) => (i === 0 ? d : 1)), seed + 3) : null;
        return {
          inputs: [ops.mul(normal(s, seed), 3), t],
          // the constants stay float64 in the float32 run too (any float dtype is accepted), so both runs weigh alike
          call: (x: Tensor, u: Tensor) => losses.binaryCrossEntropyWithLogits(x, u, { reduction, weight, posWeight }),
          note: `binaryCrossEntropyWithLogits ${reduction} weight ${weighted} posWeight ${posWeighted}`,
        };
      }),
  },
  amsunetCriterion: {
    sample: segmentation(255).map(({ logits, target }) => ({ inputs: [logits, target], call: (z, t) => losses.amsunetCriterion(z, t), note: 'amsunetCriterion' })),
  },
};
