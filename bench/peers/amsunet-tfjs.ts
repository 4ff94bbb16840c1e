/**
 * AMSUnet written a second time in TensorFlow.js (NHWC), as the peer of the whole-model suites: the same blocks,
 * channel counts and wiring as src/models/amsunet/*.ts (see /work/shared/AMSUNET.md), with its weights taken from
 * one of our models' state_dicts so both compute the same function. Setup refuses a parameter count different from
 * ours and every run checks the output shape; compared once against our forward (baseC 8 at 2x3x32x32 and 2x3x33x47,
 * baseC 32 at 2x3x16x16, non-trivial BatchNorm statistics) the logits agree within 2.4e-7 on both tfjs backends.
 *
 * Each block declares the shape it expects for every parameter (derived from the config, not from the state dict),
 * so a wiring or channel-count mistake fails loudly; weights move from PyTorch layout [Cout, Cin/groups, kH, kW] to
 * tfjs HWIO [kH, kW, Cin, Cout] (dense) or [kH, kW, C, 1] (depth-wise).
 * BatchNorm uses its running statistics in eval mode and the batch's (biased) moments in training mode; running
 * statistics are not updated (the timing does not depend on it).
 */
import type * as TfNs from '@tensorflow/tfjs';
import { AMSUnet, Generator } from '../../src/index.js';
import type { PeerCase } from '../suite.js';

type Tf = typeof import('@tensorflow/tfjs');
type T4 = TfNs.Tensor4D;

/** A state_dict entry: shape and float32 data (our Tensor satisfies it). */
export interface StateEntry {
  shape: readonly number[];
  data: ArrayLike<number>;
}

export interface TfAmsunet {
  /** x NHWC [N, H, W, inChannels] → logits NHWC [N, H, W, numClasses] */
  forward(x: T4, training: boolean): T4;
  /** the trainable variables (conv weights and biases, BatchNorm weight and bias) */
  variables: TfNs.Variable[];
  numParameters: number;
  dispose(): void;
}

export interface TfAmsunetConfig {
  inChannels: number;
  numClasses: number;
  baseC: number;
}

export function buildTfAmsunet(tf: Tf, config: TfAmsunetConfig, state: ReadonlyMap<string, StateEntry>): TfAmsunet {
  const { inChannels, numClasses, baseC: C } = config;
  const variables: TfNs.Variable[] = [];
  const constants: TfNs.Tensor[] = [];
  const used = new Set<string>();

  function entry(key: string, shape: number[]): StateEntry {
    const e = state.get(key);
    if (!e) throw new Error(`tfjs AMSUnet: state_dict has no '${key}'`);
    if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`tfjs AMSUnet: '${key}' is [${e.shape.join(', ')}], the tfjs network expects [${shape.join(', ')}]`);
    }
    used.add(key);
    return e;
  }
  const param = <R extends TfNs.Rank = TfNs.Rank.R1>(key: string, shape: number[], perm?: number[]): TfNs.Variable<R> => {
    const e = entry(key, shape);
    const t = tf.tidy(() => {
      const raw = tf.tensor(Float32Array.from(e.data), shape);
      return perm ? raw.transpose(perm) : raw;
    });
    const v = tf.variable(t, true); // unnamed: tfjs names must be unique across networks
    t.dispose();
    variables.push(v);
    return v as TfNs.Variable<R>;
  };
  const buffer = (key: string, shape: number[]): TfNs.Tensor1D => {
    const t = tf.tensor1d(Float32Array.from(entry(key, shape).data));
    constants.push(t);
    return t;
  };

  type Layer = (x: T4, training: boolean) => T4;

  /** Conv2d(cin, cout, [kH, kW]) with bias, 'same' or 'valid' padding, dilation, stride. */
  function conv(key: string, cin: number, cout: number, k: [number, number], o: { stride?: number; pad?: 'same' | 'valid'; bias?: boolean } = {}): Layer {
    const w = param<TfNs.Rank.R4>(`${key}.weight`, [cout, cin, k[0], k[1]], [2, 3, 1, 0]);
    const b = o.bias === false ? null : param(`${key}.bias`, [cout]);
    return (x) => {
      const y = tf.conv2d(x, w, o.stride ?? 1, o.pad ?? 'same');
      return b ? tf.add(y, b) : y;
    };
  }
  /** Depth-wise conv on c channels, stride 1, symmetric padding d·(k − 1)/2 ('same' for odd kernels), with bias. */
  function dw(key: string, c: number, k: [number, number], dilation = 1): Layer {
    const w = param<TfNs.Rank.R4>(`${key}.weight`, [c, 1, k[0], k[1]], [2, 3, 0, 1]);
    const b = param(`${key}.bias`, [c]);
    return (x) => tf.add(tf.depthwiseConv2d(x, w, 1, 'same', 'NHWC', dilation), b);
  }
  function batchNorm(key: string, c: number): Layer {
    const gamma = param(`${key}.weight`, [c]), beta = param(`${key}.bias`, [c]);
    const mean = buffer(`${key}.running_mean`, [c]), variance = buffer(`${key}.running_var`, [c]);
    used.add(`${key}.num_batches_tracked`);
    return (x, training) => {
      if (!training) return tf.batchNorm4d(x, mean, variance, beta, gamma, 1e-5);
      const m = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm4d(x, m.mean as TfNs.Tensor1D, m.variance as TfNs.Tensor1D, beta, gamma, 1e-5);
    };
  }
  /** exact GELU: 0.5·x·(1 + erf(x/√2)) */
  const gelu = (x: T4): T4 => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));

  function ams(key: string, d: number, dilation: number): Layer {
    const c = dw(`${key}.conv`, d, [3, 3]);
    const c0 = dw(`${key}.conv0`, d, [3, 3], dilation);
    const c01 = dw(`${key}.conv0_1`, d, [1, 5]), c02 = dw(`${key}.conv0_2`, d, [5, 1]);
    const c11 = dw(`${key}.conv1_1`, d, [1, 7]), c12 = dw(`${key}.conv1_2`, d, [7, 1]);
    const c21 = dw(`${key}.conv2_1`, d, [1, 11]), c22 = dw(`${key}.conv2_2`, d, [11, 1]);
    const c3 = conv(`${key}.conv3`, d, d, [1, 1]);
    return (x, t) => {
      const a = c(x, t), b = c0(a, t);
      const sum = tf.addN([a, b, c02(c01(b, t), t), c12(c11(b, t), t), c22(c21(b, t), t)]);
      return tf.mul(c3(sum, t), x);
    };
  }
  function attention(key: string, d: number, dilation: number): Layer {
    const c1 = conv(`${key}.conv1`, d, d, [1, 1]), a = ams(`${key}.ams`, d, dilation), c2 = conv(`${key}.conv2`, d, d, [1, 1]);
    return (x, t) => c2(a(gelu(c1(x, t)), t), t);
  }
  function ffn(key: string, d: number): Layer {
    const c1 = conv(`${key}.conv1`, d, 4 * d, [1, 1]), c2 = dw(`${key}.conv2`, 4 * d, [3, 3]), c3 = conv(`${key}.conv3`, 4 * d, d, [1, 1]);
    return (x, t) => c3(gelu(c2(c1(x, t), t)), t);
  }
  function amse(key: string, d: number, dilation: number): Layer {
    const bn1 = batchNorm(`${key}.bn1`, d), at = attention(`${key}.attn`, d, dilation);
    const bn2 = batchNorm(`${key}.bn2`, d), f = ffn(`${key}.ffn`, d);
    return (x, t) => gelu(tf.add(x, f(bn2(at(bn1(x, t), t), t), t)));
  }
  function down(key: string, cin: number, cout: number, dilation: number): Layer {
    const bn = batchNorm(`${key}.0`, cin), c = conv(`${key}.1`, cin, cout, [2, 2], { stride: 2, pad: 'valid' });
    const block = amse(`${key}.2`, cout, dilation);
    return (x, t) => block(c(bn(x, t), t), t);
  }
  function up(key: string, cin: number, cout: number): (x1: T4, x2: T4, training: boolean) => T4 {
    const half = cin / 2;
    const norm = batchNorm(`${key}.norm`, half);
    const block = amse(`${key}.conv.0`, cout, 1);
    const squeeze = conv(`${key}.satt.squeeze`, half, 1, [1, 1], { bias: false });
    const ca1 = conv(`${key}.catt.conv1`, half, Math.floor(half / 4), [1, 1]);
    const ca2 = conv(`${key}.catt.conv2`, Math.floor(half / 4), half, [1, 1]);
    const c1x1 = conv(`${key}.conv1x1`, cin, cout, [1, 1]);
    return (x1, x2, t) => {
      const [, h, w] = x1.shape;
      let u = tf.image.resizeBilinear(norm(x1, t), [2 * h, 2 * w], true);
      const dy = x2.shape[1] - 2 * h, dx = x2.shape[2] - 2 * w;
      if (dy || dx) u = tf.pad(u, [[0, 0], [dy >> 1, dy - (dy >> 1)], [dx >> 1, dx - (dx >> 1)], [0, 0]]);
      const satt = tf.mul(x2, tf.sigmoid(squeeze(x2, t)));
      const z = tf.sigmoid(ca2(tf.relu(ca1(tf.mean(x2, [1, 2], true), t)), t));
      const skip: T4 = tf.add(x2, tf.mul(satt, tf.mul(x2, z)));
      return block(c1x1(tf.concat4d([skip, u], 3), t), t);
    };
  }

  const inConv = conv('in_conv.0', inChannels, C, [3, 3], { pad: 'valid' }); // after a reflect pad of 1
  const inBn = batchNorm('in_conv.1', C);
  const inBlock = amse('in_conv.3', C, 1);
  const down1 = down('down1', C, 2 * C, 1), down2 = down('down2', 2 * C, 4 * C, 1);
  const down3 = down('down3', 4 * C, 8 * C, 3), down4 = down('down4', 8 * C, 8 * C, 5);
  const up1 = up('up1', 16 * C, 4 * C), up2 = up('up2', 8 * C, 2 * C), up3 = up('up3', 4 * C, C), up4 = up('up4', 2 * C, C);
  const outConv = conv('out_conv.0', C, numClasses, [1, 1]);

  const unused = [...state.keys()].filter((k) => !used.has(k));
  if (unused.length) throw new Error(`tfjs AMSUnet: state_dict entries the tfjs network does not use: ${unused.slice(0, 5).join(', ')}`);

  return {
    forward(x, t) {
      const padded = tf.mirrorPad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect');
      const x1 = inBlock(gelu(inBn(inConv(padded, t), t)), t);
      const x2 = down1(x1, t), x3 = down2(x2, t), x4 = down3(x3, t), x5 = down4(x4, t);
      const y = up4(up3(up2(up1(x5, x4, t), x3, t), x2, t), x1, t);
      return outConv(y, t);
    },
    variables,
    numParameters: variables.reduce((n, v) => n + v.size, 0),
    dispose() {
      for (const v of variables) v.dispose();
      for (const c of constants) c.dispose();
    },
  };
}

/**
 * The training criterion of the official code on NHWC logits [N, H, W, K] and one-hot targets of the same shape
 * (no ignored pixels): mean cross-entropy + Dice loss over softmax probabilities, background included,
 *   dice_nc = (2·Σ p·t + ε)/(Σ p + Σ t + ε),  loss = CE + 1 − mean_{n,c} dice_nc,  ε = 1e-6.
 */
export function tfAmsunetCriterion(tf: Tf, logits: T4, oneHot: T4): TfNs.Scalar {
  const logp = tf.logSoftmax(logits, 3);
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(logp, oneHot), 3)));
  const p = tf.exp(logp);
  const inter = tf.sum(tf.mul(p, oneHot), [1, 2]);
  const total = tf.add(tf.sum(p, [1, 2]), tf.sum(oneHot, [1, 2]));
  const dice = tf.div(tf.add(tf.mul(inter, 2), 1e-6), tf.add(total, 1e-6));
  return tf.add(ce, tf.sub(1, tf.mean(dice))) as TfNs.Scalar;
}

export interface WholeModelWork {
  baseC: number;
  batch: number;
  size: number;
  /** the generator seed of the suite's own model (same weights on both sides) */
  seed: number;
  /** set: this peer is not timed, and its row says why (e.g. --quick and a peer that needs ~30 s a run) */
  skip?: string;
}

/** Our model's weights in the tfjs network; refuses a network whose parameter count differs from ours. */
function tfModel(tf: Tf, w: WholeModelWork): { net: TfAmsunet; x: T4 } {
  const g = new Generator(w.seed);
  const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: w.baseC, generator: g });
  const net = buildTfAmsunet(tf, { inChannels: 3, numClasses: 2, baseC: w.baseC }, model.stateDict());
  if (net.numParameters !== model.numParameters()) {
    throw new Error(`tfjs AMSUnet has ${net.numParameters} parameters, ours ${model.numParameters()}`);
  }
  const x = tf.randomNormal<TfNs.Rank.R4>([w.batch, w.size, w.size, 3], 0, 1, 'float32', 1);
  return { net, x };
}

function checkShape(y: TfNs.Tensor, expected: number[]): void {
  if (y.shape.join() !== expected.join()) throw new Error(`tfjs AMSUnet output [${y.shape}], expected NHWC [${expected}]`);
}

/** The eval-mode forward (no gradient), read back with dataSync. */
export function tfjsForwardPeer(w: WholeModelWork): PeerCase {
  return ({ tf }) => {
    if (w.skip) throw new Error(w.skip);
    const { net, x } = tfModel(tf, w);
    return {
      run: () => {
        const y = tf.tidy(() => net.forward(x, false));
        y.dataSync();
        checkShape(y, [w.batch, w.size, w.size, 2]);
        y.dispose();
      },
      dispose: () => (net.dispose(), x.dispose()),
    };
  };
}

/**
 * A training step: forward in training mode (batch statistics), CE + Dice, gradients of every variable, Adam
 * (tfjs has no AdamW; the decoupled weight decay is one more element-wise pass), read back the loss.
 * Setup first takes the gradients once at 1x3x16x16, so a gradient tfjs does not have fails in well under a second
 * with tfjs's own message (on tfjs-cpu the full-size attempt runs ~30 s before it reaches the dilated conv).
 */
export function tfjsTrainStepPeer(w: WholeModelWork): PeerCase {
  return ({ tf }) => {
    const { net, x } = tfModel(tf, w);
    const oneHot = tf.tidy(() => tf.oneHot(tf.randomUniform([w.batch, w.size, w.size], 0, 2, 'int32', 2) as TfNs.Tensor3D, 2).toFloat() as T4);
    const opt = tf.train.adam(1e-3);
    const dispose = () => (net.dispose(), x.dispose(), oneHot.dispose(), opt.dispose());
    try {
      tf.tidy(() => {
        const probe = (s: number) => tf.slice(s === 0 ? x : oneHot, [0, 0, 0, 0], [1, 16, 16, -1]);
        const { grads } = tf.variableGrads(() => tfAmsunetCriterion(tf, net.forward(probe(0), true), probe(1)), net.variables);
        tf.dispose(Object.values(grads));
      });
    } catch (e) {
      dispose(); // the harness does not call dispose after a failure
      throw e;
    }
    return {
      run: () => {
        const loss = opt.minimize(() => tfAmsunetCriterion(tf, net.forward(x, true), oneHot), true, net.variables);
        loss!.dataSync();
        loss!.dispose();
      },
      dispose,
    };
  };
}
