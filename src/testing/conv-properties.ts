/**
 * Properties every 2-D convolution must have, as fast-check properties over any implementation with conv2d's
 * signature. y = A_w x + b is linear in x (for every padding mode: padding is linear) and in w, so with
 * L = ⟨y, gy⟩ and the implementation's gradients gx, gw, gb:
 *   adjointness        ⟨A_w x, gy⟩ = ⟨x, gx⟩ = ⟨w, gw⟩, gb[c] = Σ gy[·, c]
 *   dilation           a kernel dilated by (dH, dW) = the undilated kernel with dH − 1 (dW − 1) zero rows (columns)
 *                      inserted between taps: same y and gx; gw = the zero-inserted kernel's gw at the taps
 *   groups             groups = G equals G separate convs on the channel slices (depth-wise, G = C: one conv per
 *                      channel): y, gx, gw, gb slice by slice
 *   strip              a 1×k (k×1) strip = a k×k kernel that is zero except its middle row (column), padded by
 *                      (k − 1)/2·d more rows (columns): same y and gx; gw = that row of the square's gw
 *   gradcheck          float64 central differences: gradcheck (full or random-direction mode) for autograd
 *                      implementations, directional differences ⟨g, u⟩ ≈ (L(x + εu) − L(x − εu))/2ε otherwise
 * Equalities are checked normwise, max |a − b| ≤ 1e-10·max |b| (float64: different summation orders agree to ~1e-15).
 */
import fc from 'fast-check';
import { Tensor } from '../tensor/tensor.js';
import { randn } from '../tensor/create.js';
import { Generator } from '../tensor/rng.js';
import { backward } from '../autograd/engine.js';
import { gradcheck } from '../autograd/gradcheck.js';
import type { Conv2dOptions } from '../ops/conv-geometry.js';
import { type ConvCase, type ConvCaseConstraints, convCase, convInputs, pairOf } from './conv-arbitraries.js';

/** Anything with conv2d's signature: x [N, Cin, H, W], weight [Cout, Cin/groups, kH, kW], bias [Cout] or null. */
export type Conv2dLike = (x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions) => Tensor;

/** Gradients of L = ⟨conv(x, w, b), gy⟩ with respect to x, w and b (gb null when b is null). */
export type Conv2dGradients = (
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
  gy: Tensor,
) => { gx: Tensor; gw: Tensor; gb: Tensor | null };

/**
 * The implementation under test: a function (its gradients then come from this engine's autograd, i.e. its
 * output's gradFn), or a forward with explicit gradients, or a forward alone (gradients: null; the
 * gradient parts of the properties are skipped and `adjointness` / `gradcheck` refuse to run).
 */
export type ConvUnderTest = Conv2dLike | { forward: Conv2dLike; gradients: Conv2dGradients | null };

export const CONV_PROPERTIES = ['adjointness', 'dilation', 'groups', 'strip', 'gradcheck'] as const;
export type ConvPropertyName = (typeof CONV_PROPERTIES)[number];

const TOL = 1e-10;

interface Impl {
  forward: Conv2dLike;
  gradients: Conv2dGradients | null;
  autograd: boolean;
}

function implOf(conv: ConvUnderTest): Impl {
  if (typeof conv === 'function') return { forward: conv, gradients: autogradGradients(conv), autograd: true };
  return { forward: conv.forward, gradients: conv.gradients, autograd: false };
}

const copy = (t: Tensor, grad: boolean): Tensor => new Tensor(t.data.slice(), t.shape).requiresGrad_(grad);
const zerosLike = (t: Tensor): Tensor => new Tensor(new Float64Array(t.size), t.shape);

/** Gradients through this engine's autograd: leaves that require grad, backward(y, gy), their .grad (absent = 0). */
function autogradGradients(forward: Conv2dLike): Conv2dGradients {
  return (x, w, b, o, gy) => {
    const [xl, wl] = [copy(x, true), copy(w, true)];
    const bl = b ? copy(b, true) : null;
    const y = forward(xl, wl, bl, o);
    if (!y.requiresGrad) {
      throw new Error('conv under test: its output has no gradFn; pass { forward, gradients } to test its gradients');
    }
    backward(y, gy);
    return { gx: xl.grad ?? zerosLike(x), gw: wl.grad ?? zerosLike(w), gb: bl ? (bl.grad ?? zerosLike(bl)) : null };
  };
}

const dot = (a: Tensor, b: Tensor): number => {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
  return s;
};
const absDot = (a: Tensor, b: Tensor): number => {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += Math.abs(a.data[i] * b.data[i]);
  return s;
};

const draw = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) });

/** Throws unless got equals want in shape and, normwise, to TOL. */
function expectClose(what: string, got: Tensor | ArrayLike<number>, want: Tensor | ArrayLike<number>): void {
  const [a, b] = [got instanceof Tensor ? got.data : got, want instanceof Tensor ? want.data : want];
  if (got instanceof Tensor && want instanceof Tensor && got.shape.join() !== want.shape.join()) {
    throw new Error(`${what}: shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`);
  }
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} elements, expected ${b.length}`);
  let num = 0;
  let den = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > num || d !== d) [num, at] = [d, i];
    den = Math.max(den, Math.abs(b[i]));
  }
  if (!(num <= TOL * Math.max(den, 1e-300))) {
    throw new Error(`${what}: differs at flat index ${at}: ${a[at]} vs ${b[at]} (max |Δ| ${num.toExponential(3)}, max |expected| ${den.toExponential(3)})`);
  }
}

function expectScalar(what: string, got: number, want: number, scale: number): void {
  if (!(Math.abs(got - want) <= TOL * Math.max(scale, 1e-300))) throw new Error(`${what}: ${got} vs ${want}`);
}

function needGradients(impl: Impl, name: string): Conv2dGradients {
  if (!impl.gradients) throw new Error(`property '${name}' needs gradients; pass { forward, gradients }`);
  return impl.gradients;
}

/** y and (when available) the gradients for gy drawn from the case's seed. */
function evaluate(impl: Impl, c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null, o: Conv2dOptions, gySeed: number) {
  const y = impl.forward(x, w, b, o);
  const gy = draw(y.shape as number[], gySeed);
  return { y, gy, grads: impl.gradients ? impl.gradients(x, w, b, o, gy) : null };
}

function adjointness(impl: Impl, c: ConvCase): void {
  const grad = needGradients(impl, 'adjointness');
  const [x, w, b] = convInputs(c);
  const y = impl.forward(x, w, null, c.options);
  const gy = draw(y.shape as number[], c.seed * 4 + 3);
  const g = grad(x, w, b, c.options, gy);
  const scale = absDot(y, gy);
  expectScalar('⟨A_w x, gy⟩ = ⟨x, gx⟩', dot(x, g.gx), dot(y, gy), scale);
  expectScalar('⟨A_w x, gy⟩ = ⟨w, gw⟩', dot(w, g.gw), dot(y, gy), scale);
  if (b) {
    const [N, C] = gy.shape;
    const plane = gy.size / (N * C);
    const sums = new Float64Array(C);
    for (let i = 0; i < gy.size; i++) sums[Math.floor(i / plane) % C] += gy.data[i];
    expectClose('gb = Σ gy per channel', g.gb!, sums);
  }
}

function dilation(impl: Impl, c: ConvCase): void {
  const [dH, dW] = pairOf(c.options.dilation);
  const [x, w, b] = convInputs(c);
  const [eH, eW] = [dH * (c.kH - 1) + 1, dW * (c.kW - 1) + 1];
  const q = c.Cout * (c.Cin / c.options.groups);
  const wz = new Float64Array(q * eH * eW);
  const tap = (i: number, kh: number, kw: number): number => (i * eH + kh * dH) * eW + kw * dW;
  for (let i = 0; i < q; i++) for (let kh = 0; kh < c.kH; kh++) for (let kw = 0; kw < c.kW; kw++) wz[tap(i, kh, kw)] = w.data[(i * c.kH + kh) * c.kW + kw];
  const zo = { ...c.options, dilation: [1, 1] as [number, number] };
  const d = evaluate(impl, c, x, w, b, c.options, c.seed * 4 + 3);
  const z = evaluate(impl, c, x, new Tensor(wz, [c.Cout, c.Cin / c.options.groups, eH, eW]), b, zo, c.seed * 4 + 3);
  expectClose('y (dilated kernel vs zero-inserted kernel)', d.y, z.y);
  if (!d.grads || !z.grads) return;
  expectClose('gx (dilated vs zero-inserted)', d.grads.gx, z.grads.gx);
  const atTaps = new Float64Array(w.size);
  for (let i = 0; i < q; i++) for (let kh = 0; kh < c.kH; kh++) for (let kw = 0; kw < c.kW; kw++) atTaps[(i * c.kH + kh) * c.kW + kw] = z.grads.gw.data[tap(i, kh, kw)];
  expectClose('gw (dilated vs the zero-inserted kernel’s gw at its taps)', d.grads.gw, atTaps);
  if (b) expectClose('gb (dilated vs zero-inserted)', d.grads.gb!, z.grads.gb!);
}

/** Channels [c0, c0 + n) of an NCHW (or [C, …]) tensor as a new tensor. */
function channels(t: Tensor, c0: number, n: number): Tensor {
  const [N, C] = t.ndim === 1 ? [1, t.shape[0]] : [t.shape[0], t.shape[1]];
  const plane = t.size / (N * C);
  const out = new Float64Array(N * n * plane);
  for (let i = 0; i < N; i++) out.set(t.data.subarray((i * C + c0) * plane, (i * C + c0 + n) * plane), i * n * plane);
  return new Tensor(out, t.ndim === 1 ? [n] : [N, n, ...t.shape.slice(2)]);
}

/** For the weight [Cout, Cin/G, kH, kW] the group's slice is on dim 0. */
function rows(t: Tensor, r0: number, n: number): Tensor {
  const per = t.size / t.shape[0];
  return new Tensor(t.data.slice(r0 * per, (r0 + n) * per), [n, ...t.shape.slice(1)]);
}

function groups(impl: Impl, c: ConvCase): void {
  const G = c.options.groups;
  const [x, w, b] = convInputs(c);
  const [cinG, coutG] = [c.Cin / G, c.Cout / G];
  const all = evaluate(impl, c, x, w, b, c.options, c.seed * 4 + 3);
  for (let g = 0; g < G; g++) {
    const [xg, wg, bg] = [channels(x, g * cinG, cinG), rows(w, g * coutG, coutG), b ? channels(b, g * coutG, coutG) : null];
    const o = { ...c.options, groups: 1 };
    const yg = impl.forward(xg, wg, bg, o);
    expectClose(`y channels of group ${g} (of ${G}) vs that group alone`, channels(all.y, g * coutG, coutG), yg);
    if (!all.grads || !impl.gradients) continue;
    const gg = impl.gradients(xg, wg, bg, o, channels(all.gy, g * coutG, coutG));
    expectClose(`gx channels of group ${g} vs that group alone`, channels(all.grads.gx, g * cinG, cinG), gg.gx);
    expectClose(`gw rows of group ${g} vs that group alone`, rows(all.grads.gw, g * coutG, coutG), gg.gw);
    if (b) expectClose(`gb of group ${g} vs that group alone`, channels(all.grads.gb!, g * coutG, coutG), gg.gb!);
  }
}

function strip(impl: Impl, c: ConvCase): void {
  const k = c.kW | 1; // odd, so the middle row keeps its alignment
  const vertical = c.seed % 2 === 1;
  const [dH, dW] = pairOf(c.options.dilation);
  const half = ((k - 1) / 2) * (vertical ? dW : dH); // extra padding across the strip
  const [pH, pW] = typeof c.options.padding === 'string' ? [0, 0] : pairOf(c.options.padding);
  const cinG = c.Cin / c.options.groups;
  const [x, , b] = convInputs(c);
  const ws = draw(vertical ? [c.Cout, cinG, k, 1] : [c.Cout, cinG, 1, k], c.seed * 4 + 1);
  const square = new Float64Array(c.Cout * cinG * k * k);
  const mid = (k - 1) / 2;
  const at = (i: number, t: number): number => (i * k + (vertical ? t : mid)) * k + (vertical ? mid : t);
  for (let i = 0; i < c.Cout * cinG; i++) for (let t = 0; t < k; t++) square[at(i, t)] = ws.data[i * k + t];
  const base = { ...c.options, paddingMode: 'zeros' as const };
  const so = { ...base, padding: [pH, pW] as [number, number] };
  const qo = { ...base, padding: (vertical ? [pH, pW + half] : [pH + half, pW]) as [number, number] };
  // input large enough for the strip's extent along its length
  const s = evaluate(impl, c, x, ws, b, so, c.seed * 4 + 3);
  const q = evaluate(impl, c, x, new Tensor(square, [c.Cout, cinG, k, k]), b, qo, c.seed * 4 + 3);
  expectClose(`y (${vertical ? `${k}x1` : `1x${k}`} strip vs ${k}x${k} square zero off its middle ${vertical ? 'column' : 'row'})`, s.y, q.y);
  if (!s.grads || !q.grads) return;
  expectClose('gx (strip vs square)', s.grads.gx, q.grads.gx);
  const middle = new Float64Array(ws.size);
  for (let i = 0; i < c.Cout * cinG; i++) for (let t = 0; t < k; t++) middle[i * k + t] = q.grads.gw.data[at(i, t)];
  expectClose('gw (strip vs the middle row of the square’s gw)', s.grads.gw, middle);
}

/** Strip cases: the strip's length k along W (or H) must fit the input with the given padding. */
function stripFits(c: ConvCase): boolean {
  const k = c.kW | 1;
  const [dH, dW] = pairOf(c.options.dilation);
  const [pH, pW] = typeof c.options.padding === 'string' ? [0, 0] : pairOf(c.options.padding);
  return c.seed % 2 === 1 ? c.H + 2 * pH >= dH * (k - 1) + 1 : c.W + 2 * pW >= dW * (k - 1) + 1;
}

function checkGradients(impl: Impl, c: ConvCase): void {
  const [x, w, b] = convInputs(c);
  if (impl.autograd) {
    const fn = (...t: Tensor[]): Tensor => impl.forward(t[0], t[1], t[2] ?? null, c.options);
    gradcheck(fn, b ? [x, w, b] : [x, w], { fast: x.size + w.size > 400, names: ['input', 'weight', 'bias'], seed: c.seed });
    return;
  }
  // explicit gradients: ⟨g, u⟩ against central differences of L = ⟨y, gy⟩ along a random u per input
  const grad = needGradients(impl, 'gradcheck');
  const y = impl.forward(x, w, b, c.options);
  const gy = draw(y.shape as number[], c.seed * 4 + 3);
  const g = grad(x, w, b, c.options, gy);
  const L = (xs: Tensor[]): number => dot(impl.forward(xs[0], xs[1], xs[2] ?? null, c.options), gy);
  const inputs = b ? [x, w, b] : [x, w];
  const analytic = [g.gx, g.gw, g.gb];
  const eps = 1e-6;
  inputs.forEach((t, j) => {
    const u = draw(t.shape as number[], c.seed * 4 + 10 + j);
    const shifted = (s: number): Tensor[] => inputs.map((v, i) => (i === j ? new Tensor(v.data.map((e, k) => e + s * u.data[k]), v.shape) : v));
    const numeric = (L(shifted(eps)) - L(shifted(-eps))) / (2 * eps);
    const a = dot(analytic[j]!, u);
    if (!(Math.abs(a - numeric) <= 1e-5 + 1e-3 * Math.abs(numeric))) {
      throw new Error(`gradcheck: ${['input', 'weight', 'bias'][j]} along a random direction: numerical ${numeric}, analytical ${a}`);
    }
  });
}

const RUN: Record<ConvPropertyName, (impl: Impl, c: ConvCase) => void> = { adjointness, dilation, groups, strip, gradcheck: checkGradients };

/** The arbitrary each property draws from: groups needs grouped cases, strip fitting strips, gradcheck small ones. */
function arbitraryFor(name: ConvPropertyName, constraints: ConvCaseConstraints): fc.Arbitrary<ConvCase> {
  if (name === 'groups') return convCase({ kinds: ['depthwise', 'grouped'], ...constraints });
  if (name === 'strip') return convCase({ namedPadding: false, ...constraints }).filter(stripFits);
  if (name === 'gradcheck') return convCase({ maxChannels: 2, maxKernel: 3, ...constraints });
  return convCase(constraints);
}

/** One property of `conv` as a fast-check property (run it with fc.assert or fc.check). */
export function convProperty(name: ConvPropertyName, conv: ConvUnderTest, constraints: ConvCaseConstraints = {}): fc.IPropertyWithHooks<[ConvCase]> {
  const impl = implOf(conv);
  return fc.property(arbitraryFor(name, constraints), (c) => RUN[name](impl, c));
}

export interface VerifyConv2dOptions {
  /** Cases per property (default 30). */
  numRuns?: number;
  /** fast-check seed (default fixed, so runs repeat). */
  seed?: number;
  /** Which properties (default all; adjointness and gradcheck are skipped for a forward without gradients). */
  properties?: readonly ConvPropertyName[];
  constraints?: ConvCaseConstraints;
}

/**
 * Check every property of `conv` over random geometry; throws an Error naming the property, with fast-check's
 * report (the shrunk counterexample and the seed to replay it) on the first failure.
 */
export function verifyConv2d(conv: ConvUnderTest, options: VerifyConv2dOptions = {}): void {
  const hasGradients = typeof conv === 'function' || conv.gradients !== null;
  const names = options.properties ?? CONV_PROPERTIES.filter((n) => hasGradients || (n !== 'adjointness' && n !== 'gradcheck'));
  for (const name of names) {
    if (!hasGradients && (name === 'adjointness' || name === 'gradcheck')) {
      throw new Error(`verifyConv2d: property '${name}' needs gradients; pass { forward, gradients }`);
    }
    const result = fc.check(convProperty(name, conv, options.constraints), { numRuns: options.numRuns ?? 30, seed: options.seed ?? 0x5eed });
    if (result.failed) {
      const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      throw new Error(
        [
          `verifyConv2d: property '${name}' failed after ${result.numRuns} case(s), shrunk ${result.numShrinks} time(s)`,
          `  counterexample: ${JSON.stringify(result.counterexample?.[0])}`,
          `  error: ${error}`,
          `  replay: fc.assert(convProperty('${name}', conv), { seed: ${result.seed}, path: '${result.counterexamplePath}' })`,
        ].join('\n'),
      );
    }
  }
}
