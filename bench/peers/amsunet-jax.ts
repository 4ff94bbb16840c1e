/**
 * AMSUnet's forward (eval mode) written a third time, in jax-js (NCHW, PyTorch weight layout, so our state_dict is
 * used as is), as a peer of the forward suite. Same blocks and wiring as bench/peers/amsunet-tfjs.ts.
 * jax-js arrays are moved into every operation: an array used again is passed as `a.ref`; parameters always are.
 * Convs are lax.convGeneralDilated (rhsDilation, featureGroupCount = C for depth-wise); BatchNorm in eval mode is
 * x·s + t with s = γ/√(var + ε), t = β − mean·s per channel; bilinear x2 with align_corners is two matmuls with
 * the interpolation matrices on the right, transposing in between (rows i → source i·(h − 1)/(2h − 1)); the reflect pad of the first conv is two concats.
 */
import type { PeerLibs } from '../peers.js';
import type { PeerCase } from '../suite.js';
import { AMSUnet, Generator } from '../../src/index.js';
import type { StateEntry, WholeModelWork } from './amsunet-tfjs.js';

type Jax = PeerLibs['jax'];
type JArray = ReturnType<Jax['numpy']['array']>;
type Layer = (x: JArray) => JArray;

export function buildJaxAmsunet(jax: Jax, config: { inChannels: number; numClasses: number; baseC: number }, state: ReadonlyMap<string, StateEntry>) {
  const { inChannels, numClasses, baseC: C } = config;
  const np = jax.numpy;
  const held: JArray[] = [];
  let numParameters = 0;
  const hold = (values: ArrayLike<number>, shape: number[]): JArray => {
    const a = np.array(Float32Array.from(values), { shape });
    held.push(a);
    return a;
  };
  function entry(key: string, shape: number[]): StateEntry {
    const e = state.get(key);
    if (!e || e.shape.join() !== shape.join()) throw new Error(`jax-js AMSUnet: '${key}' is [${e?.shape}], expected [${shape}]`);
    return e;
  }
  const param = (key: string, shape: number[], as = shape): JArray => {
    numParameters += shape.reduce((a, b) => a * b, 1);
    return hold(entry(key, shape).data, as);
  };

  function conv(key: string, cin: number, cout: number, k: [number, number], o: { stride?: number; groups?: number; dilation?: number; bias?: boolean; valid?: boolean } = {}): Layer {
    const g = o.groups ?? 1, d = o.dilation ?? 1;
    const w = param(`${key}.weight`, [cout, cin / g, k[0], k[1]]);
    const b = o.bias === false ? null : param(`${key}.bias`, [cout], [1, cout, 1, 1]);
    const pad: [number, number][] = o.valid ? [[0, 0], [0, 0]] : [[(d * (k[0] - 1)) / 2, (d * (k[0] - 1)) / 2], [(d * (k[1] - 1)) / 2, (d * (k[1] - 1)) / 2]];
    const s = o.stride ?? 1;
    return (x) => {
      const y = jax.lax.convGeneralDilated(x, w.ref, [s, s], pad, { rhsDilation: [d, d], featureGroupCount: g });
      return b ? y.add(b.ref) : y;
    };
  }
  const dw = (key: string, c: number, k: [number, number], dilation = 1) => conv(key, c, c, k, { groups: c, dilation });
  function batchNorm(key: string, c: number): Layer {
    const gamma = entry(`${key}.weight`, [c]).data, beta = entry(`${key}.bias`, [c]).data;
    const mean = entry(`${key}.running_mean`, [c]).data, variance = entry(`${key}.running_var`, [c]).data;
    numParameters += 2 * c;
    const scale = Float32Array.from({ length: c }, (_, i) => gamma[i] / Math.sqrt(variance[i] + 1e-5));
    const s = hold(scale, [1, c, 1, 1]);
    const t = hold(Float32Array.from({ length: c }, (_, i) => beta[i] - mean[i] * scale[i]), [1, c, 1, 1]);
    return (x) => x.mul(s.ref).add(t.ref);
  }
  const gelu: Layer = (x) => jax.nn.gelu(x, { approximate: false });

  function ams(key: string, d: number, dilation: number): Layer {
    const c = dw(`${key}.conv`, d, [3, 3]), c0 = dw(`${key}.conv0`, d, [3, 3], dilation);
    const c01 = dw(`${key}.conv0_1`, d, [1, 5]), c02 = dw(`${key}.conv0_2`, d, [5, 1]);
    const c11 = dw(`${key}.conv1_1`, d, [1, 7]), c12 = dw(`${key}.conv1_2`, d, [7, 1]);
    const c21 = dw(`${key}.conv2_1`, d, [1, 11]), c22 = dw(`${key}.conv2_2`, d, [11, 1]);
    const c3 = conv(`${key}.conv3`, d, d, [1, 1]);
    return (x) => {
      const a = c(x.ref), b = c0(a.ref);
      const s5 = c02(c01(b.ref)), s7 = c12(c11(b.ref)), s11 = c22(c21(b.ref));
      return c3(a.add(b).add(s5).add(s7).add(s11)).mul(x);
    };
  }
  function attention(key: string, d: number, dilation: number): Layer {
    const c1 = conv(`${key}.conv1`, d, d, [1, 1]), a = ams(`${key}.ams`, d, dilation), c2 = conv(`${key}.conv2`, d, d, [1, 1]);
    return (x) => c2(a(gelu(c1(x))));
  }
  function ffn(key: string, d: number): Layer {
    const c1 = conv(`${key}.conv1`, d, 4 * d, [1, 1]), c2 = dw(`${key}.conv2`, 4 * d, [3, 3]), c3 = conv(`${key}.conv3`, 4 * d, d, [1, 1]);
    return (x) => c3(gelu(c2(c1(x))));
  }
  function amse(key: string, d: number, dilation: number): Layer {
    const bn1 = batchNorm(`${key}.bn1`, d), at = attention(`${key}.attn`, d, dilation);
    const bn2 = batchNorm(`${key}.bn2`, d), f = ffn(`${key}.ffn`, d);
    return (x) => gelu(x.ref.add(f(bn2(at(bn1(x))))));
  }
  function down(key: string, cin: number, cout: number, dilation: number): Layer {
    const bn = batchNorm(`${key}.0`, cin), c = conv(`${key}.1`, cin, cout, [2, 2], { stride: 2, valid: true });
    const block = amse(`${key}.2`, cout, dilation);
    return (x) => block(c(bn(x)));
  }
  /** [n·2, n] align_corners interpolation matrix: row i samples source position i·(n − 1)/(2n − 1). */
  const resizeMatrices = new Map<number, JArray>();
  function resizeMatrix(n: number): JArray {
    let m = resizeMatrices.get(n);
    if (!m) {
      const a = new Float32Array(2 * n * n);
      for (let i = 0; i < 2 * n; i++) {
        const src = n === 1 ? 0 : (i * (n - 1)) / (2 * n - 1), i0 = Math.floor(src), i1 = Math.min(i0 + 1, n - 1), f = src - i0;
        a[i * n + i0] += 1 - f;
        a[i * n + i1] += f;
      }
      m = hold(a, [2 * n, n]);
      resizeMatrices.set(n, m);
    }
    return m;
  }
  function up(key: string, cin: number, cout: number): (x1: JArray, x2: JArray) => JArray {
    const half = cin / 2;
    const norm = batchNorm(`${key}.norm`, half), block = amse(`${key}.conv.0`, cout, 1);
    const squeeze = conv(`${key}.satt.squeeze`, half, 1, [1, 1], { bias: false });
    const ca1 = conv(`${key}.catt.conv1`, half, Math.floor(half / 4), [1, 1]), ca2 = conv(`${key}.catt.conv2`, Math.floor(half / 4), half, [1, 1]);
    const c1x1 = conv(`${key}.conv1x1`, cin, cout, [1, 1]);
    return (x1, x2) => {
      const [, , h, w] = x1.shape, [, , H, W] = x2.shape;
      const mh = resizeMatrix(h), mw = resizeMatrix(w);
      const alongW = np.matmul(norm(x1), np.matrixTranspose(mw.ref)); //                 [N, half, h, 2w]
      let u = np.matrixTranspose(np.matmul(np.matrixTranspose(alongW), np.matrixTranspose(mh.ref))); // [N, half, 2h, 2w]
      const dy = H - 2 * h, dx = W - 2 * w;
      if (dy || dx) u = np.pad(u, [[0, 0], [0, 0], [dy >> 1, dy - (dy >> 1)], [dx >> 1, dx - (dx >> 1)]]);
      const satt = x2.ref.mul(jax.nn.sigmoid(squeeze(x2.ref)));
      const z = jax.nn.sigmoid(ca2(jax.nn.relu(ca1(x2.ref.mean([2, 3], { keepdims: true })))));
      const skip = x2.ref.add(satt.mul(x2.mul(z)));
      return block(c1x1(np.concatenate([skip, u], 1)));
    };
  }
  /** reflect pad of 1 on H and W */
  function reflectPad1(x: JArray): JArray {
    const [, , H, W] = x.shape;
    const rows = np.concatenate([x.ref.slice([], [], [1, 2]), x.ref, x.slice([], [], [H - 2, H - 1])], 2);
    return np.concatenate([rows.ref.slice([], [], [], [1, 2]), rows.ref, rows.slice([], [], [], [W - 2, W - 1])], 3);
  }

  const inConv = conv('in_conv.0', inChannels, C, [3, 3], { valid: true }), inBn = batchNorm('in_conv.1', C), inBlock = amse('in_conv.3', C, 1);
  const down1 = down('down1', C, 2 * C, 1), down2 = down('down2', 2 * C, 4 * C, 1);
  const down3 = down('down3', 4 * C, 8 * C, 3), down4 = down('down4', 8 * C, 8 * C, 5);
  const up1 = up('up1', 16 * C, 4 * C), up2 = up('up2', 8 * C, 2 * C), up3 = up('up3', 4 * C, C), up4 = up('up4', 2 * C, C);
  const outConv = conv('out_conv.0', C, numClasses, [1, 1]);

  return {
    /** x [N, inChannels, H, W] (moved in) → logits [N, numClasses, H, W] */
    forward(x: JArray): JArray {
      const x1 = inBlock(gelu(inBn(inConv(reflectPad1(x)))));
      const x2 = down1(x1.ref), x3 = down2(x2.ref), x4 = down3(x3.ref), x5 = down4(x4.ref);
      return outConv(up4(up3(up2(up1(x5, x4), x3), x2), x1));
    },
    numParameters,
    dispose: () => held.forEach((a) => a.dispose()),
  };
}

/** The eval-mode forward, read back with data(). */
export function jaxForwardPeer(w: WholeModelWork): PeerCase {
  return ({ jax }) => {
    if (w.skip) throw new Error(w.skip);
    const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: w.baseC, generator: new Generator(w.seed) });
    const net = buildJaxAmsunet(jax, { inChannels: 3, numClasses: 2, baseC: w.baseC }, model.stateDict());
    if (net.numParameters !== model.numParameters()) throw new Error(`jax-js AMSUnet has ${net.numParameters} parameters, ours ${model.numParameters()}`);
    const x = jax.random.normal(jax.random.key(1), [w.batch, 3, w.size, w.size]);
    return {
      run: async () => {
        const y = net.forward(x.ref);
        if (y.shape.join() !== [w.batch, 2, w.size, w.size].join()) throw new Error(`jax-js AMSUnet output [${y.shape}]`);
        await y.data();
      },
      dispose: () => (net.dispose(), x.dispose()),
    };
  };
}
