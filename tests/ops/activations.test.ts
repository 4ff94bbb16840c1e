/** gelu (exact and tanh), relu, sigmoid, tanh, leakyRelu, silu and the fdlibm erf/erfc: golden fixtures, reference values, gradcheck, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gelu, relu, sigmoid, tanh, leakyRelu, silu, gradcheck, tensor, Generator, randn, Tensor, type DType } from '../../src/index.js';
import { erf, erfc } from '../../src/tensor/erf.js';
import { loadGolden } from '../golden.js';
import { geluBackwardWasm, geluWasm, getBackend, setBackend, wasmFeatures } from '../../src/backend/index.js';
import { geluBackward as geluBackwardJs, geluForward as geluForwardJs } from '../../src/kernels/activations.js';
import { maxRelErr } from '../helpers/close.js';

/** fn() on backend `name`, restoring the previous backend afterwards. */
function onBackend<T>(name: 'js' | 'wasm', fn: () => T): T {
  const prev = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}

const seeded = (shape: number[], seed: number, dtype: DType = 'float64'): Tensor => randn(shape, { dtype, generator: new Generator(seed) });
/** A copy of t in dtype (never shares t's buffer). */
const cast = (t: Tensor, dtype: DType): Tensor => tensor(Float64Array.from(t.data), t.shape, { dtype });

/** y and gx = backward(y, gy) of op(x). */
function run(op: (x: Tensor) => Tensor, x: Tensor, gy: Tensor): { y: Tensor; gx: Tensor } {
  const xi = cast(x, x.dtype).requiresGrad_();
  const y = op(xi);
  y.backward(cast(gy, x.dtype));
  return { y, gx: xi.grad! };
}

// erf/erfc at 50 digits (mpmath 1.3), covering every branch of the fdlibm approximation and its boundaries.
const ERF_TABLE: [number, number, number][] = [
  [0.0, 0.0, 1.0],
  [1e-300, 1.1283791670955126022e-300, 1.0],
  [3e-9, 3.385137501286537689e-9, 9.9999999661486249871e-1],
  [-2.5e-8, -2.8209479177387807194e-8, 1.0000000282094791774],
  [0.1, 1.124629160182848984e-1, 8.875370839817151016e-1],
  [-0.3, -3.2862675945912741619e-1, 1.3286267594591274162],
  [0.5, 5.2049987781304653768e-1, 4.7950012218695346232e-1],
  [0.6174, 6.1741074841139407434e-1, 3.8258925158860592566e-1],
  [0.84374, 7.6722012418324061511e-1, 2.3277987581675938489e-1],
  [0.84375, 7.6722566123234163346e-1, 2.3277433876765836654e-1],
  [-0.9, -7.9690821242283213966e-1, 1.7969082124228321397],
  [1.0, 8.4270079294971486934e-1, 1.5729920705028513066e-1],
  [1.2499, 9.2287647318753193666e-1, 7.7123526812468063338e-2],
  [1.25, 9.2290012825645823014e-1, 7.7099871743541769863e-2],
  [-1.7, -9.8379045859077456084e-1, 1.9837904585907745608],
  [2.0, 9.9532226501895273416e-1, 4.6777349810472658379e-3],
  [2.857, 9.9994664173991315363e-1, 5.3358260086846371124e-5],
  [2.8572, 9.9994670605759120375e-1, 5.329394240879624739e-5],
  [-3.5, -9.9999925690162765859e-1, 1.9999992569016276586],
  [4.2, 9.9999999714450582041e-1, 2.8554941795921842402e-9],
  [5.9, 9.999999999999999281e-1, 7.1904097835504777249e-17],
  [6.0, 9.9999999999999997848e-1, 2.1519736712498913117e-17],
  [-7.5, -1.0, 2.0],
  [10.0, 1.0, 2.088487583762544757e-45],
  [20.0, 1.0, 5.3958656116079009289e-176],
];

describe('erf / erfc (fdlibm)', () => {
  test.each(ERF_TABLE)('x = %s matches the 50-digit value to within 2 ulp', (x, e, c) => {
    const tol = (ref: number): number => 2 * Number.EPSILON * Math.abs(ref);
    expect(Math.abs(erf(x) - e)).toBeLessThanOrEqual(tol(e));
    expect(Math.abs(erfc(x) - c)).toBeLessThanOrEqual(tol(c));
  });

  test('special values and symmetry', () => {
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erf(NaN)).toBeNaN();
    expect(erfc(NaN)).toBeNaN();
    expect(erfc(30)).toBe(0);
    expect(Object.is(erf(-0), -0)).toBe(true);
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        expect(erf(-x)).toBe(-erf(x));
        expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThanOrEqual(2 * Number.EPSILON);
        expect(Math.abs(erfc(-x) - (2 - erfc(x)))).toBeLessThanOrEqual(4 * Number.EPSILON);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  test('erf is monotone across the branch boundaries', () => {
    for (const b of [0.84375, 1.25, 1 / 0.35, 6]) {
      let prev = erf(b * (1 - 1e-6));
      for (let k = -999; k <= 1000; k++) {
        const v = erf(b * (1 + k * 1e-9));
        expect(v).toBeGreaterThanOrEqual(prev);
        prev = v;
      }
    }
  });
});

describe('golden fixtures (PyTorch 2.13)', () => {
  const cases: [string, (x: Tensor) => Tensor][] = [
    ['gelu', (x) => gelu(x)],
    ['sigmoid', sigmoid],
    ['relu', relu],
  ];
  test.each(cases)('%s: y and gx to 1e-10 in float64, 1e-5 in float32', (name, op) => {
    const g = loadGolden(`ops/${name}.safetensors`);
    const x = g.get('x');
    const gy = g.get('gy');
    const r64 = run(op, x, gy);
    expect(r64.y.dtype).toBe('float64');
    expect(maxRelErr(r64.y.data, g.get('y').data)).toBeLessThanOrEqual(1e-10);
    expect(maxRelErr(r64.gx.data, g.get('gx').data)).toBeLessThanOrEqual(1e-10);
    const r32 = run(op, cast(x, 'float32'), cast(gy, 'float32'));
    expect(r32.y.dtype).toBe('float32');
    expect(r32.gx.dtype).toBe('float32');
    expect(maxRelErr(r32.y.data, g.get('y').data)).toBeLessThanOrEqual(1e-5);
    expect(maxRelErr(r32.gx.data, g.get('gx').data)).toBeLessThanOrEqual(1e-5);
  });

  test('relu fixture has exact zeros whose gradient is 0', () => {
    const g = loadGolden('ops/relu.safetensors');
    const x = g.get('x');
    const { gx } = run(relu, x, g.get('gy'));
    let zeros = 0;
    for (let i = 0; i < x.size; i++) {
      if (x.data[i] === 0) {
        zeros++;
        expect(gx.data[i]).toBe(0);
      }
    }
    expect(zeros).toBeGreaterThan(5);
  });
});

describe('forward against the defining formulas', () => {
  const xs = [-30, -8, -3, -1.5, -0.5, -1e-3, 0, 2e-4, 0.3, 1, 2.5, 7, 40];
  test('gelu exact: x·Φ(x) with Φ from erfc; gelu tanh: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))', () => {
    const x = tensor(xs, [xs.length], { dtype: 'float64' });
    const ye = gelu(x).data;
    const yt = gelu(x, { approximate: 'tanh' }).data;
    xs.forEach((v, i) => {
      const exact = 0.5 * v * erfc(-v * Math.SQRT1_2);
      expect(Math.abs(ye[i] - exact)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(exact)));
      const approx = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
      expect(Math.abs(yt[i] - approx)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(approx)));
      // exact and tanh forms agree to the approximation's known accuracy (< 1e-3 absolute)
      expect(Math.abs(ye[i] - yt[i])).toBeLessThan(1e-3);
    });
    // left tail: x·Φ(x) keeps its relative accuracy (erfc, no 1 + erf cancellation); 50-digit values from mpmath,
    // tolerance = the condition number 2·x²·ulp of erfc at x/√2
    const tail: [number, number][] = [[-30, -1.4720141781444561179e-196], [-8, -4.9767684594174272988e-15], [-3, -0.00404969409489028358]];
    for (const [v, ref] of tail) {
      const got = gelu(tensor([v], [1], { dtype: 'float64' })).data[0];
      expect(Math.abs(got / ref - 1)).toBeLessThan(4 * v * v * Number.EPSILON);
    }
  });

  test('relu, sigmoid, tanh', () => {
    const x = tensor([...xs, NaN], [xs.length + 1], { dtype: 'float64' });
    const r = relu(x).data;
    const s = sigmoid(x).data;
    const t = tanh(x).data;
    xs.forEach((v, i) => {
      expect(r[i]).toBe(v > 0 ? v : 0);
      expect(s[i]).toBe(1 / (1 + Math.exp(-v)));
      expect(t[i]).toBe(Math.tanh(v));
    });
    expect(r[xs.length]).toBeNaN(); // relu(NaN) = NaN, as torch.relu
  });

  test('leakyRelu: x for x > 0, slope·x otherwise (NaN stays NaN); silu: x·σ(x)', () => {
    const x = tensor([...xs, NaN], [xs.length + 1], { dtype: 'float64' });
    for (const slope of [0.01, 0.2, -1.5]) {
      const l = leakyRelu(x, slope).data;
      xs.forEach((v, i) => expect(l[i]).toBe(v > 0 ? v : v * slope));
      expect(l[xs.length]).toBeNaN();
    }
    expect(leakyRelu(x).data[0]).toBe(-30 * 0.01); // the default slope is PyTorch's 0.01
    const y = silu(x).data;
    xs.forEach((v, i) => expect(Math.abs(y[i] - v / (1 + Math.exp(-v)))).toBeLessThanOrEqual(1e-16 * Math.max(1, Math.abs(v))));
  });

  test("gradients at 0: leakyRelu's is the slope (PyTorch's x > 0 rule), silu's is ½", () => {
    const x = tensor([0, -0, 1, -1], [4], { dtype: 'float64', requiresGrad: true });
    leakyRelu(x, 0.2).backward(tensor([1, 1, 1, 1], [4], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data)).toEqual([0.2, 0.2, 1, 0.2]);
    const z = tensor([0], [1], { dtype: 'float64', requiresGrad: true });
    silu(z).backward(tensor([1], [1], { dtype: 'float64' }));
    expect(z.grad!.data[0]).toBe(0.5);
  });

  test('float32 input gives float32 output equal to the rounded float64 result (js backend)', () => {
    const x64 = seeded([3, 4, 5], 7);
    const x32 = cast(x64, 'float32');
    onBackend('js', () => {
      for (const op of [(u: Tensor) => gelu(u), (u: Tensor) => gelu(u, { approximate: 'tanh' }), relu, sigmoid, tanh]) {
        const y32 = op(x32);
        const y64 = op(cast(x32, 'float64'));
        expect(y32.dtype).toBe('float32');
        expect(Array.from(y32.data)).toEqual(Array.from(y64.data, Math.fround));
      }
    });
  });

  test.runIf(wasmFeatures().simd)('exact gelu on float32 takes the wasm kernels on the wasm backend (forward and backward); float64 keeps erfc', () => {
    const x32 = cast(seeded([2, 3, 17, 5], 8), 'float32');
    const gy32 = cast(seeded([2, 3, 17, 5], 9), 'float32');
    const { y, gx } = onBackend('wasm', () => run((u) => gelu(u), x32, gy32));
    const n = x32.size, xd = x32.data as Float32Array, gyd = gy32.data as Float32Array;
    const yw = new Float32Array(n), gxw = new Float32Array(n), yj = new Float32Array(n), gxj = new Float32Array(n);
    geluWasm(yw, xd);
    geluBackwardWasm(gxw, gyd, xd);
    geluForwardJs(yj, xd);
    geluBackwardJs(gxj, gyd, xd);
    expect(Array.from(y.data)).toEqual(Array.from(yw));
    expect(Array.from(gx.data)).toEqual(Array.from(gxw));
    // and within the float32 erf error of the double-precision kernel (src/backend/elementwise.ts), yet not identical
    let differ = 0;
    for (let i = 0; i < n; i++) {
      expect(Math.abs(yw[i] - yj[i])).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(xd[i])));
      expect(Math.abs(gxw[i] - gxj[i])).toBeLessThanOrEqual(4e-7 * Math.abs(gyd[i]) * Math.max(1, Math.abs(xd[i])));
      if (yw[i] !== yj[i]) differ++;
    }
    expect(differ).toBeGreaterThan(0);
    const r64 = onBackend('wasm', () => run((u) => gelu(u), cast(x32, 'float64'), cast(gy32, 'float64')));
    const y64 = new Float64Array(n);
    geluForwardJs(y64, Float64Array.from(xd));
    expect(Array.from(r64.y.data)).toEqual(Array.from(y64));
    const js = onBackend('js', () => run((u) => gelu(u), x32, gy32));
    expect(Array.from(js.y.data)).toEqual(Array.from(yj));
    expect(Array.from(js.gx.data)).toEqual(Array.from(gxj));
  });
});

describe('gradients (float64 gradcheck, random shapes)', () => {
  const shape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
  test('gelu (both forms), sigmoid, tanh, relu away from 0', () => {
    fc.assert(
      fc.property(shape, fc.nat(10_000), (s, seed) => {
        const x = seeded(s, seed);
        gradcheck((u) => gelu(u), [x]);
        gradcheck((u) => gelu(u, { approximate: 'tanh' }), [x]);
        gradcheck(sigmoid, [x]);
        gradcheck(tanh, [x]);
        const away = tensor(Float64Array.from(x.data, (v) => (Math.abs(v) < 1e-3 ? v + 0.01 : v)), x.shape);
        gradcheck(relu, [away]);
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  test('gelu derivative at large |x| and in the tails', () => {
    const x = tensor([-12, -6, -3.3, 3.3, 6, 12], [6], { dtype: 'float64' });
    gradcheck((u) => gelu(u), [x]);
    gradcheck((u) => gelu(u, { approximate: 'tanh' }), [x]);
  });

  test('relu gradient is exactly 0 at x = 0 and 1 for x > 0', () => {
    const x = tensor([0, -0, 2, -2], [4], { dtype: 'float64', requiresGrad: true });
    relu(x).backward(tensor([5, 5, 5, 5], [4], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 5, 0]);
  });
});

describe('errors', () => {
  const ints = tensor([1, 2], [2], { dtype: 'int32' });
  test('int32 input names the op and the shape', () => {
    expect(() => gelu(ints)).toThrow('gelu: expects a float tensor, got int32; input [2]');
    expect(() => relu(ints)).toThrow('relu: expects a float tensor, got int32; input [2]');
    expect(() => sigmoid(ints)).toThrow('sigmoid: expects a float tensor, got int32; input [2]');
    expect(() => tanh(ints)).toThrow('tanh: expects a float tensor, got int32; input [2]');
    expect(() => leakyRelu(ints)).toThrow('leakyRelu: expects a float tensor, got int32; input [2]');
    expect(() => silu(ints)).toThrow('silu: expects a float tensor, got int32; input [2]');
  });
  test('a non-finite leakyRelu slope', () => {
    expect(() => leakyRelu(tensor([1], [1]), NaN)).toThrow('leakyRelu: negativeSlope must be a finite number, got NaN');
  });
  test('unknown gelu approximation', () => {
    const x = tensor([1], [1]);
    expect(() => gelu(x, { approximate: 'erf' as 'none' })).toThrow("gelu: approximate must be 'none' or 'tanh', got 'erf'");
  });
});
