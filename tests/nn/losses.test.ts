/** crossEntropy, diceLoss, amsunetCriterion: golden fixtures, literal references, gradcheck with ignored pixels, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { crossEntropy, diceLoss, amsunetCriterion, gradcheck, tensor, Generator, randn, zeros, Tensor, type Reduction } from '../../src/index.js';
import { loadGolden } from '../golden.js';
import { cast } from '../ops/core-util.js';
import { maxRelErr } from '../helpers/close.js';

const IGN = 255;

/** Random int32 targets in [0, C), with a fraction `ignored` set to ignoreIndex. */
function targets(shape: number[], C: number, seed: number, ignored = 0.2, ignoreIndex = IGN): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(Int32Array.from({ length: n }, () => (g.uniform() < ignored ? ignoreIndex : g.int(0, C))), shape);
}

/** log-softmax over the class dim of [N, C, S]-laid-out logits, by definition. */
function logSoftmaxRef(z: ArrayLike<number>, N: number, C: number, S: number): Float64Array {
  const out = new Float64Array(N * C * S);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const at = (c: number): number => (n * C + c) * S + s;
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, z[at(c)]);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(z[at(c)] - m);
      for (let c = 0; c < C; c++) out[at(c)] = z[at(c)] - m - Math.log(sum);
    }
  }
  return out;
}

/**
 * PyTorch's composite (cross_entropy_loss_label_smoothing): (1 − ε)·nll_loss(logp, t, w, reduction) + (ε/C)·R(smooth),
 * smooth_i = −Σ_c w_c·logp_ic (0 where ignored); for 'mean' both terms are divided by Σ w[t_i] over non-ignored i.
 */
function refCE(logits: Tensor, target: Tensor, w: number[] | null, ignoreIndex: number, reduction: Reduction, eps: number): number | Float64Array {
  const batched = logits.ndim >= 2;
  const N = batched ? logits.shape[0] : 1;
  const C = batched ? logits.shape[1] : logits.shape[0];
  const S = target.size / N;
  const lp = logSoftmaxRef(logits.data, N, C, S);
  const nll = new Float64Array(N * S);
  const smooth = new Float64Array(N * S);
  let wsum = 0;
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const t = target.data[n * S + s];
      if (t === ignoreIndex) continue;
      const wt = w ? w[t] : 1;
      wsum += wt;
      nll[n * S + s] = -wt * lp[(n * C + t) * S + s];
      for (let c = 0; c < C; c++) smooth[n * S + s] -= (w ? w[c] : 1) * lp[(n * C + c) * S + s];
    }
  }
  if (reduction === 'none') return nll.map((v, i) => (1 - eps) * v + (eps / C) * smooth[i]);
  const sn = nll.reduce((a, b) => a + b, 0);
  const ss = smooth.reduce((a, b) => a + b, 0);
  return reduction === 'sum' ? (1 - eps) * sn + (eps / C) * ss : (1 - eps) * (sn / wsum) + (eps / C) * (ss / wsum);
}

/** The official build_target: one-hot [N, C, S] with ignored pixels = ignore_index in every channel. */
function buildTarget(target: Tensor, C: number, ignoreIndex: number): Float64Array {
  const N = target.shape[0];
  const S = target.size / N;
  const out = new Float64Array(N * C * S);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const t = target.data[n * S + s];
      for (let c = 0; c < C; c++) out[(n * C + c) * S + s] = t === ignoreIndex ? ignoreIndex : t === c ? 1 : 0;
    }
  }
  return out;
}

/** The official dice_loss(x, build_target(t), multiclass=True, ignore_index), transcribed loop for loop. */
function refDice(logits: Tensor, target: Tensor, ignoreIndex: number, epsilon = 1e-6): number {
  const [N, C] = logits.shape;
  const S = target.size / N;
  const p = logSoftmaxRef(logits.data, N, C, S).map(Math.exp);
  const dt = buildTarget(target, C, ignoreIndex);
  let dice = 0;
  for (let c = 0; c < C; c++) {
    let d = 0;
    for (let n = 0; n < N; n++) {
      let inter = 0;
      let sx = 0;
      let st = 0;
      for (let s = 0; s < S; s++) {
        const k = (n * C + c) * S + s;
        if (ignoreIndex >= 0 && dt[k] === ignoreIndex) continue; // roi_mask = t_i != ignore_index
        inter += p[k] * dt[k];
        sx += p[k];
        st += dt[k];
      }
      let setsSum = sx + st;
      if (setsSum === 0) setsSum = 2 * inter;
      d += (2 * inter + epsilon) / (setsSum + epsilon);
    }
    dice += d / N;
  }
  return 1 - dice / C;
}

describe('golden fixtures (PyTorch 2.13)', () => {
  test.each(['ce_weighted_c3', 'ce_c2_ones'])('%s: loss and glogits (float64 ≤ 1e-10, float32 ≤ 1e-5)', (name) => {
    const g = loadGolden(`ops/${name}.safetensors`);
    expect(g.attrs.ignore_index).toBe(IGN);
    expect(g.attrs.reduction).toBe('mean');
    const target = g.get('target');
    expect(target.dtype).toBe('int32');
    expect(target.data.filter((t) => t === IGN).length).toBe(g.attrs.num_ignored);
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-10 : 1e-5;
      const logits = cast(g.get('logits'), dtype).requiresGrad_();
      const loss = crossEntropy(logits, target, { weight: cast(g.get('weight'), dtype), ignoreIndex: IGN });
      expect(loss.shape).toEqual([]);
      expect(loss.dtype).toBe(dtype);
      loss.backward();
      expect(maxRelErr(loss.data, g.get('loss').data)).toBeLessThanOrEqual(tol);
      expect(maxRelErr(logits.grad!.data, g.get('glogits').data)).toBeLessThanOrEqual(tol);
    }
  });

  test.each(['dice_c2', 'dice_c3', 'dice_c2_item_fully_ignored'])('%s: loss, dice and glogits (float64 ≤ 1e-10, float32 ≤ 1e-5)', (name) => {
    const g = loadGolden(`ops/${name}.safetensors`);
    expect(g.attrs.epsilon).toBe(1e-6);
    const target = g.get('target');
    const C = g.get('logits').shape[1];
    expect(maxRelErr(buildTarget(target, C, IGN), g.get('dice_target').data)).toBe(0); // the reference's one-hot is the fixture's
    expect(Math.abs(refDice(g.get('logits'), target, IGN) - g.get('loss').data[0])).toBeLessThan(1e-14);
    expect(g.get('loss').data[0]).toBeCloseTo(1 - g.get('dice').data[0], 15);
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-10 : 1e-5;
      const logits = cast(g.get('logits'), dtype).requiresGrad_();
      const loss = diceLoss(logits, target);
      loss.backward();
      expect(maxRelErr(loss.data, g.get('loss').data)).toBeLessThanOrEqual(tol);
      expect(maxRelErr(logits.grad!.data, g.get('glogits').data)).toBeLessThanOrEqual(tol);
    }
    if (name.endsWith('fully_ignored')) {
      // image 1 is fully ignored: d = 1 for every class, and its logits get no gradient
      expect(g.attrs.fully_ignored_items).toEqual([1]);
      const logits = g.get('logits').requiresGrad_();
      diceLoss(logits, target).backward();
      expect(logits.grad!.data.slice(logits.size / 2).every((v) => v === 0)).toBe(true);
    }
  });

  test.each(['criterion_c2', 'criterion_c3_noweight'])('%s: ce, dice_loss, loss and glogits', (name) => {
    const g = loadGolden(`ops/${name}.safetensors`);
    const target = g.get('target');
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-10 : 1e-5;
      const logits = cast(g.get('logits'), dtype).requiresGrad_();
      const loss = amsunetCriterion(logits, target);
      loss.backward();
      expect(maxRelErr(loss.data, g.get('loss').data)).toBeLessThanOrEqual(tol);
      expect(maxRelErr(logits.grad!.data, g.get('glogits').data)).toBeLessThanOrEqual(tol);
      const weight = g.attrs.weight === 'none' ? null : cast(g.get('weight'), dtype);
      expect(maxRelErr(crossEntropy(logits, target, { weight, ignoreIndex: IGN }).data, g.get('ce').data)).toBeLessThanOrEqual(tol);
      expect(maxRelErr(diceLoss(logits, target).data, g.get('dice_loss').data)).toBeLessThanOrEqual(tol);
    }
  });
});

describe('crossEntropy semantics', () => {
  test('label smoothing with class weights, by hand: (1 − ε)·w_t·nll + (ε/C)·Σ_c w_c·(−log p_c), over Σ w_t', () => {
    const logits = tensor([0, 0], [1, 2], { dtype: 'float64' }); // p = ½, ½
    const t = tensor([0], [1], { dtype: 'int32' });
    const loss = crossEntropy(logits, t, { weight: [1, 3], labelSmoothing: 0.2 });
    expect(loss.data[0]).toBeCloseTo((0.8 * 1 + 0.1 * 4) * Math.LN2, 15);
    const sum = crossEntropy(tensor([0, 0, 0, 0], [2, 2], { dtype: 'float64' }), tensor([0, 1], [2], { dtype: 'int32' }), { weight: [1, 3], labelSmoothing: 0.2, reduction: 'sum' });
    expect(sum.data[0]).toBeCloseTo((0.8 * (1 + 3) + 0.1 * 4 * 2) * Math.LN2, 14);
  });

  test("reductions, unbatched [C] input, 'none' shape and zeros at ignored pixels", () => {
    const g = new Generator(3);
    const logits = randn([2, 4, 3, 2], { dtype: 'float64', generator: g });
    const t = targets([2, 3, 2], 4, 4, 0.3, -100);
    const none = crossEntropy(logits, t, { reduction: 'none' });
    expect(none.shape).toEqual([2, 3, 2]);
    t.data.forEach((v, i) => v === -100 && expect(none.data[i]).toBe(0));
    const kept = t.data.filter((v) => v !== -100).length;
    const total = Array.from(none.data).reduce((a, b) => a + b, 0);
    expect(crossEntropy(logits, t, { reduction: 'sum' }).data[0]).toBeCloseTo(total, 13);
    expect(crossEntropy(logits, t).data[0]).toBeCloseTo(total / kept, 13);
    const one = crossEntropy(tensor([1, 2, 3], [3], { dtype: 'float64' }), tensor([2], [], { dtype: 'int32' }), { reduction: 'none' });
    expect(one.shape).toEqual([]);
    expect(one.data[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, 15);
  });

  test("all targets ignored: 'mean' is NaN as in PyTorch (0/0) with a zero gradient; 'sum' is 0", () => {
    const logits = randn([2, 3, 2, 2], { dtype: 'float64', generator: new Generator(1) }).requiresGrad_();
    const t = tensor(new Int32Array(8).fill(IGN), [2, 2, 2]);
    const loss = crossEntropy(logits, t, { ignoreIndex: IGN });
    expect(loss.data[0]).toBeNaN();
    loss.backward();
    expect(logits.grad!.data.every((v) => v === 0)).toBe(true);
    expect(crossEntropy(logits, t, { ignoreIndex: IGN, reduction: 'sum' }).data[0]).toBe(0);
    expect(crossEntropy(logits, t, { ignoreIndex: IGN, labelSmoothing: 0.1 }).data[0]).toBeNaN();
  });

  test('extreme logits stay finite (log-sum-exp around the max)', () => {
    const logits = tensor([1000, -1000, 0, 800], [2, 2], { dtype: 'float64' });
    const loss = crossEntropy(logits, tensor([1, 0], [2], { dtype: 'int32' }), { reduction: 'none' });
    expect(Array.from(loss.data)).toEqual([2000, 800]);
  });

  test('labelSmoothing 1 is allowed: the uniform target, (1/C)·Σ_c w_c·(−log p_c) over Σ w_t', () => {
    const logits = randn([2, 3, 2], { dtype: 'float64', generator: new Generator(8) });
    const t = targets([2, 2], 3, 9, 0.25);
    const w = [0.5, 1, 2];
    const loss = crossEntropy(logits, t, { weight: w, ignoreIndex: IGN, labelSmoothing: 1 });
    expect(loss.data[0]).toBeCloseTo(refCE(logits, t, w, IGN, 'mean', 1) as number, 14);
  });
});

interface CeCase {
  N: number;
  C: number;
  spatial: number[];
  weighted: boolean;
  reduction: Reduction;
  smoothing: number;
  ignoreIndex: number;
  seed: number;
}
const ceCase: fc.Arbitrary<CeCase> = fc.record({
  N: fc.integer({ min: 1, max: 3 }),
  C: fc.integer({ min: 1, max: 4 }),
  spatial: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 }),
  weighted: fc.boolean(),
  reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
  smoothing: fc.constantFrom(0, 0.1, 0.35),
  ignoreIndex: fc.constantFrom(-100, 255, 0),
  seed: fc.nat(10_000),
});
function ceInputs(c: CeCase): { logits: Tensor; t: Tensor; w: number[] | null } {
  const g = new Generator(c.seed);
  const logits = randn([c.N, c.C, ...c.spatial], { dtype: 'float64', generator: g });
  const t = targets([c.N, ...c.spatial], c.C, c.seed + 1, 0.25, c.ignoreIndex);
  const w = c.weighted ? Array.from({ length: c.C }, () => 0.2 + 2 * g.uniform()) : null;
  return { logits, t, w };
}

describe('crossEntropy properties (random shapes [N, C, d1..dk], weights, smoothing, ignored pixels)', () => {
  test('forward = PyTorch composite reference (float64 and float32)', () => {
    fc.assert(
      fc.property(ceCase, (c) => {
        const { logits, t, w } = ceInputs(c);
        const opts = { weight: w, ignoreIndex: c.ignoreIndex, reduction: c.reduction, labelSmoothing: c.smoothing };
        const ref = refCE(logits, t, w, c.ignoreIndex, c.reduction, c.smoothing);
        const refArr = typeof ref === 'number' ? [ref] : ref;
        const y = crossEntropy(logits, t, opts);
        expect(y.shape).toEqual(c.reduction === 'none' ? t.shape : []);
        if (refArr.some(Number.isNaN)) {
          expect(Number.isNaN(y.data[0])).toBe(true); // every target ignored
          return;
        }
        expect(maxRelErr(y.data, refArr)).toBeLessThanOrEqual(1e-13);
        const y32 = crossEntropy(cast(logits, 'float32'), t, { ...opts, weight: w && cast(tensor(w, [c.C], { dtype: 'float64' }), 'float32') });
        expect(y32.dtype).toBe('float32');
        expect(maxRelErr(y32.data, refArr)).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 150, seed: 41 },
    );
  });

  test('float64 gradcheck', () => {
    fc.assert(
      fc.property(ceCase, (c) => {
        const { logits, t, w } = ceInputs(c);
        if (c.reduction === 'mean' && t.data.every((v) => v === c.ignoreIndex)) return; // NaN loss
        gradcheck((z) => crossEntropy(z, t, { weight: w, ignoreIndex: c.ignoreIndex, reduction: c.reduction, labelSmoothing: c.smoothing }), [logits]);
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});

describe('diceLoss and amsunetCriterion properties', () => {
  const diceCase = fc.record({
    N: fc.integer({ min: 1, max: 3 }),
    C: fc.integer({ min: 1, max: 4 }),
    H: fc.integer({ min: 1, max: 4 }),
    W: fc.integer({ min: 1, max: 4 }),
    ignored: fc.constantFrom(0, 0.3, 1),
    ignoreIndex: fc.constantFrom(255, 7, -1),
    seed: fc.nat(10_000),
  });
  test('forward = the official code transcribed (float64, float32), criterion = CE + dice, gradcheck', () => {
    fc.assert(
      fc.property(diceCase, (c) => {
        const logits = randn([c.N, c.C, c.H, c.W], { dtype: 'float64', generator: new Generator(c.seed) });
        const t = targets([c.N, c.H, c.W], c.C, c.seed + 1, c.ignoreIndex < 0 ? 0 : c.ignored, c.ignoreIndex);
        const ref = refDice(logits, t, c.ignoreIndex);
        const y = diceLoss(logits, t, { ignoreIndex: c.ignoreIndex });
        expect(Math.abs(y.data[0] - ref)).toBeLessThanOrEqual(1e-14);
        expect(Math.abs(diceLoss(cast(logits, 'float32'), t, { ignoreIndex: c.ignoreIndex }).data[0] - ref)).toBeLessThanOrEqual(1e-6);
        gradcheck((z) => diceLoss(z, t, { ignoreIndex: c.ignoreIndex }), [logits]);
        if (c.ignoreIndex >= 0 && t.data.some((v) => v !== c.ignoreIndex)) {
          const crit = amsunetCriterion(logits, t, { ignoreIndex: c.ignoreIndex });
          const ce = refCE(logits, t, c.C === 2 ? [1, 1] : null, c.ignoreIndex, 'mean', 0) as number;
          expect(Math.abs(crit.data[0] - (ce + ref))).toBeLessThanOrEqual(1e-13 * Math.max(1, ce));
          gradcheck((z) => amsunetCriterion(z, t, { ignoreIndex: c.ignoreIndex }), [logits]);
        }
      }),
      { numRuns: 60, seed: 51 },
    );
  });

  test('perfect prediction gives a dice loss near 0; a fully ignored batch gives exactly 0 and no gradient', () => {
    const t = tensor([0, 1, 1, 0], [1, 2, 2], { dtype: 'int32' });
    const logits = tensor([40, -40, -40, 40, -40, 40, 40, -40], [1, 2, 2, 2], { dtype: 'float64' });
    expect(diceLoss(logits, t).data[0]).toBeLessThan(1e-12);
    const z = randn([2, 3, 2, 2], { dtype: 'float64', generator: new Generator(2) }).requiresGrad_();
    const all = tensor(new Int32Array(8).fill(IGN), [2, 2, 2]);
    const loss = diceLoss(z, all);
    expect(loss.data[0]).toBe(0);
    loss.backward();
    expect(z.grad!.data.every((v) => v === 0)).toBe(true);
  });

  test('epsilon 0 is allowed (the plain Dice ratio)', () => {
    const logits = randn([2, 3, 2, 2], { dtype: 'float64', generator: new Generator(12) });
    const t = targets([2, 2, 2], 3, 13, 0.25);
    expect(Math.abs(diceLoss(logits, t, { epsilon: 0 }).data[0] - refDice(logits, t, IGN, 0))).toBeLessThanOrEqual(1e-14);
  });

  test('an (image, class) with S = 0 (absent from the target, probability 0 everywhere) adds no gradient, even at the smallest epsilon', () => {
    // class 1's probability underflows to exactly 0 and no target is 1: S = 0, so d = 1 with A = B = 0 (official S := 2I);
    // through the general formula its ∂d/∂p would be 2/ε and ε/ε², both infinite at ε = 5e-324
    const logits = tensor([0, 0, -1000, -1000], [1, 2, 2], { dtype: 'float64' }).requiresGrad_();
    const loss = diceLoss(logits, tensor([0, 0], [1, 2], { dtype: 'int32' }), { epsilon: Number.MIN_VALUE });
    expect(loss.data[0]).toBe(0);
    loss.backward();
    expect(Array.from(logits.grad!.data, Math.abs)).toEqual([0, 0, 0, 0]);
  });

  test('ignoreIndex 0 excludes the pixels whose target is 0, and only those: the loss and gradient of the batch without them', () => {
    // pixels 0 and 3 of [1, 3, 5] are ignored (target 0); the same logits without them, nothing ignored
    const all = randn([1, 3, 5], { dtype: 'float64', generator: new Generator(14) }).requiresGrad_();
    const kept = [1, 2, 4];
    const some = tensor(Float64Array.from({ length: 9 }, (_, i) => all.data[Math.floor(i / 3) * 5 + kept[i % 3]]), [1, 3, 3], { dtype: 'float64' }).requiresGrad_();
    const lossAll = diceLoss(all, tensor([0, 1, 2, 0, 1], [1, 5], { dtype: 'int32' }), { ignoreIndex: 0 });
    const lossSome = diceLoss(some, tensor([1, 2, 1], [1, 3], { dtype: 'int32' }), { ignoreIndex: 255 });
    expect(Math.abs(lossAll.data[0] - lossSome.data[0])).toBeLessThanOrEqual(1e-15);
    lossAll.backward();
    lossSome.backward();
    for (let c = 0; c < 3; c++) {
      expect(all.grad!.data[c * 5]).toBe(0);
      expect(all.grad!.data[c * 5 + 3]).toBe(0);
      kept.forEach((s, i) => expect(Math.abs(all.grad!.data[c * 5 + s] - some.grad!.data[c * 3 + i])).toBeLessThanOrEqual(1e-15));
    }
  });

  test('criterion on unbatched-pixel logits [N, C] (rank 2): crossEntropy + diceLoss', () => {
    const logits = randn([4, 3], { dtype: 'float64', generator: new Generator(15) });
    const t = tensor([0, 2, 255, 1], [4], { dtype: 'int32' });
    expect(amsunetCriterion(logits, t).data[0]).toBe(crossEntropy(logits, t, { ignoreIndex: IGN }).data[0] + diceLoss(logits, t).data[0]);
  });

  test('criterion weight: default [1, 1] for 2 classes (same value as unweighted), explicit weight honoured', () => {
    const g = new Generator(9);
    const logits = randn([2, 3, 3, 3], { dtype: 'float64', generator: g });
    const t = targets([2, 3, 3], 3, 10);
    const w = [0.5, 1, 2];
    const expected = (refCE(logits, t, w, IGN, 'mean', 0) as number) + refDice(logits, t, IGN);
    expect(amsunetCriterion(logits, t, { weight: w }).data[0]).toBeCloseTo(expected, 13);
    expect(amsunetCriterion(logits, t).data[0]).toBeCloseTo((refCE(logits, t, null, IGN, 'mean', 0) as number) + refDice(logits, t, IGN), 13);
  });
});

describe('errors', () => {
  const logits = zeros([2, 3, 4, 5]);
  const t = tensor(new Int32Array(40), [2, 4, 5]);
  test('target value out of range names the value, its index, the op and the shapes', () => {
    const bad = tensor(new Int32Array(40), [2, 4, 5]);
    bad.data[27] = 3; // [1, 1, 2]
    expect(() => crossEntropy(logits, bad)).toThrow(
      'crossEntropy: target value 3 at [1, 1, 2] is out of range [0, 3) and is not ignoreIndex (-100); logits [2, 3, 4, 5], target [2, 4, 5]',
    );
    bad.data[27] = 255;
    expect(() => crossEntropy(logits, bad)).toThrow('crossEntropy: target value 255 at [1, 1, 2] is out of range [0, 3)');
    expect(crossEntropy(logits, bad, { ignoreIndex: 255 }).shape).toEqual([]);
    expect(() => diceLoss(logits, bad, { ignoreIndex: 254 })).toThrow(
      'diceLoss: target value 255 at [1, 1, 2] is out of range [0, 3) and is not ignoreIndex (254); logits [2, 3, 4, 5], target [2, 4, 5]',
    );
    bad.data[27] = -1;
    expect(() => diceLoss(logits, bad, { ignoreIndex: -1 })).toThrow(
      'diceLoss: target value -1 at [1, 1, 2] is out of range [0, 3) and is not ignored (ignoreIndex is negative); logits [2, 3, 4, 5], target [2, 4, 5]',
    );
    bad.data[27] = 3;
    expect(() => diceLoss(logits, bad, { ignoreIndex: 0 })).toThrow(
      'diceLoss: target value 3 at [1, 1, 2] is out of range [0, 3) and is not ignoreIndex (0); logits [2, 3, 4, 5], target [2, 4, 5]',
    );
    bad.data[27] = 9;
    expect(() => amsunetCriterion(logits, bad)).toThrow('crossEntropy: target value 9 at [1, 1, 2] is out of range [0, 3) and is not ignoreIndex (255)');
  });
  test('target dtype and shape, logits rank and dtype', () => {
    expect(() => crossEntropy(logits, zeros([2, 4, 5]))).toThrow('crossEntropy: target must be an int32 tensor of class indices, got float32; target [2, 4, 5]');
    expect(() => crossEntropy(logits, tensor(new Int32Array(8), [2, 4]))).toThrow(
      'crossEntropy: target shape must be [2, 4, 5] (the logits shape without the class dim); logits [2, 3, 4, 5], target [2, 4]',
    );
    expect(() => diceLoss(logits, tensor(new Int32Array(20), [1, 4, 5]))).toThrow(
      'diceLoss: target shape must be [2, 4, 5] (the logits shape without the class dim); logits [2, 3, 4, 5], target [1, 4, 5]',
    );
    expect(() => crossEntropy(zeros([]), tensor([0], [], { dtype: 'int32' }))).toThrow('crossEntropy: logits must have rank 1 ([C]) or more ([N, C, ...]), got rank 0; logits []');
    expect(() => diceLoss(zeros([3]), tensor([0], [], { dtype: 'int32' }))).toThrow('diceLoss: logits must have rank 2 or more ([N, C, ...]), got rank 1; logits [3]');
    expect(() => crossEntropy(zeros([2, 3], { dtype: 'int32' }), tensor([0, 1], [2], { dtype: 'int32' }))).toThrow('crossEntropy: logits must be a float tensor, got int32; logits [2, 3]');
    expect(() => crossEntropy(zeros([2, 0]), tensor([0, 1], [2], { dtype: 'int32' }))).toThrow('crossEntropy: logits must have at least one class; logits [2, 0]');
  });
  test('options', () => {
    expect(() => crossEntropy(logits, t, { weight: [1, 2] })).toThrow('crossEntropy: weight must have shape [C] = [3]; weight [2]');
    expect(() => crossEntropy(logits, t, { weight: zeros([3, 1]) })).toThrow('crossEntropy: weight must have shape [C] = [3]; weight [3, 1]');
    expect(() => crossEntropy(logits, t, { weight: tensor([1, 1, 1], [3], { dtype: 'int32' }) })).toThrow('crossEntropy: weight must be a float tensor, got int32; weight [3]');
    expect(() => crossEntropy(logits, t, { labelSmoothing: 1.5 })).toThrow('crossEntropy: labelSmoothing must be between 0 and 1, got 1.5');
    expect(() => crossEntropy(logits, t, { labelSmoothing: -0.5 })).toThrow('crossEntropy: labelSmoothing must be between 0 and 1, got -0.5');
    expect(() => crossEntropy(logits, t, { reduction: 'avg' as Reduction })).toThrow("crossEntropy: reduction must be 'mean', 'sum' or 'none', got 'avg'");
    expect(() => crossEntropy(logits, t, { ignoreIndex: 0.5 })).toThrow('crossEntropy: ignoreIndex must be an integer, got 0.5');
    expect(() => diceLoss(logits, t, { epsilon: -1 })).toThrow('diceLoss: epsilon must be a non-negative finite number, got -1');
    expect(() => diceLoss(logits, t, { ignoreIndex: 0.5 })).toThrow('diceLoss: ignoreIndex must be an integer, got 0.5');
    expect(() => amsunetCriterion(zeros([3]), tensor([0], [], { dtype: 'int32' }))).toThrow('amsunetCriterion: logits must have rank 2 or more ([N, C, ...]), got rank 1; logits [3]');
  });
});
