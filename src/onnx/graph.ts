/**
 * OnnxGraph: the builder that ONNX emitters write into, and the emitter registry.
 *
 * An emitter is the graph-building twin of a module's forward(): it receives the module and the graph values of
 * its inputs and returns the value of its output, emitting ONNX nodes on the way. Leaf layers emit their ONNX
 * operator (Conv2d → Conv); blocks call their children through `g.call(child, x)` and write the tensor ops of their
 * forward (add, mul, cat, pad) with the helpers below, so an emitter reads line for line like the forward it mirrors.
 * Emitters are looked up by class, walking up the prototype chain, so `Down extends Sequential` uses Sequential's.
 *
 * Every value carries its shape as far as it is known statically (a number), symbolically (a dim_param such as
 * 'N' or 'H' that passes unchanged through size-preserving ops) or not at all (null). Static shapes let the
 * emitters pick constant pads; unknown sizes get a small Shape → Sub → Div subgraph instead.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ConfigError } from '../tensor/errors.js';
import type { Module } from '../nn/module.js';
import { littleEndianBytes } from './protobuf.js';
import { DataType, type AttributeRecord, type Dim, type NodeRecord, type TensorRecord } from './onnx-proto.js';

/** A value in the graph: its name and its (partly) known shape. */
export interface Value {
  readonly name: string;
  readonly shape: readonly Dim[];
}

/** An attribute value: a number is an INT, a number[] INTS, a string STRING; floats are written `{ f: 1e-5 }`. */
export type AttrValue = number | readonly number[] | string | { f: number };

export type Emitter<M extends Module> = (g: OnnxGraph, m: M, ...inputs: Value[]) => Value;

/** A module class, whatever its constructor's parameters. */
type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

const registry = new Map<unknown, Emitter<Module>>();

/** Teach the exporter a module class (your own blocks too): `emit` mirrors the class's forward in graph ops. */
export function registerOnnxEmitter<M extends Module>(cls: ModuleClass<M>, emit: Emitter<M>): void {
  registry.set(cls, emit as Emitter<Module>);
}

function emitterFor(m: Module): Emitter<Module> | undefined {
  for (let proto = Object.getPrototypeOf(m); proto; proto = Object.getPrototypeOf(proto)) {
    const e = registry.get(proto.constructor);
    if (e) return e;
  }
  return undefined;
}

export class OnnxGraph {
  readonly nodes: NodeRecord[] = [];
  readonly initializers: TensorRecord[] = [];
  readonly #paramNames = new Map<Tensor, string>();
  readonly #modulePaths = new Map<Module, string>();
  readonly #usedParams = new Set<Tensor>();
  readonly #names = new Set<string>();
  readonly #scalars = new Map<number, Value>();
  #scope = '';

  /** `root` names the initializers (state-dict keys) and the nodes (module paths such as `down1.2.attn`). */
  constructor(
    readonly opset: number,
    root: Module,
  ) {
    for (const [key, t] of root.stateDict()) if (!this.#paramNames.has(t)) this.#paramNames.set(t, key);
    for (const [path, m] of root.namedModules()) this.#modulePaths.set(m, path);
  }

  /** Emit module m applied to `inputs` (its registered emitter, with node names under m's path). */
  call(m: Module, ...inputs: Value[]): Value {
    const emit = emitterFor(m);
    const path = this.#modulePaths.get(m) ?? this.#scope;
    if (!emit) {
      throw new ConfigError(
        'exportOnnx',
        `no ONNX emitter for ${m.constructor.name}${path ? ` at '${path}'` : ''}; register one with registerOnnxEmitter(${m.constructor.name}, (g, m, x) => ...)`,
      );
    }
    const outer = this.#scope;
    this.#scope = path;
    try {
      return emit(this, m, ...inputs);
    } finally {
      this.#scope = outer;
    }
  }

  /** The path of the module being emitted ('' for the root), for messages. */
  get where(): string {
    return this.#scope || '<root>';
  }

  /** A fresh name under the current module path: `down1.2.attn/Conv`, then `down1.2.attn/Conv_1`, ... */
  freshName(base: string): string {
    const stem = this.#scope ? `${this.#scope}/${base}` : base;
    let name = stem;
    for (let i = 1; this.#names.has(name); i++) name = `${stem}_${i}`;
    this.#names.add(name);
    return name;
  }

  /** Emit one single-output node; `shape` is the output's shape as far as the caller knows it. */
  op(opType: string, inputs: readonly (Value | string)[], shape: readonly Dim[], attrs: Record<string, AttrValue> = {}): Value {
    const name = this.freshName(opType);
    this.nodes.push({
      name,
      opType,
      inputs: inputs.map((i) => (typeof i === 'string' ? i : i.name)),
      outputs: [name],
      attributes: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return { name, shape };
  }

  /** The initializer of a parameter or buffer, named by its state-dict key; written as float32 (once per tensor). */
  param(t: Tensor): string {
    const name = this.#paramNames.get(t);
    if (name === undefined) throw new ConfigError('exportOnnx', `a tensor of shape [${t.shape.join(', ')}] used by the model is not in its state dict`);
    if (!this.#usedParams.has(t)) {
      this.#usedParams.add(t);
      this.initializers.push({ name, dataType: DataType.FLOAT, dims: t.shape, rawData: littleEndianBytes(Float32Array.from(t.data)) });
    }
    return name;
  }

  /** A float32 constant initializer (scalar when dims = []). */
  constFloat(hint: string, values: readonly number[], dims: readonly number[] = [values.length]): Value {
    const name = this.freshName(hint);
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, rawData: littleEndianBytes(Float32Array.from(values)) });
    return { name, shape: dims };
  }

  /** A float32 scalar constant shared by the whole graph (one initializer per value, e.g. GELU's 0.5 and √2). */
  scalar(value: number): Value {
    let v = this.#scalars.get(value);
    if (!v) {
      const outer = this.#scope;
      this.#scope = '';
      v = this.constFloat(`scalar_${value}`, [value], []);
      this.#scope = outer;
      this.#scalars.set(value, v);
    }
    return v;
  }

  /** An int64 constant initializer (shapes, pads, axes). */
  constInt64(hint: string, values: readonly number[], dims: readonly number[] = [values.length]): Value {
    const name = this.freshName(hint);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name, dataType: DataType.INT64, dims, rawData: littleEndianBytes(data) });
    return { name, shape: dims };
  }

  // ---- the tensor ops that forwards write between modules ----

  /** a + b with NumPy broadcasting. */
  add(a: Value, b: Value): Value {
    return this.op('Add', [a, b], broadcastShape(a.shape, b.shape));
  }

  /** a ⊙ b with NumPy broadcasting (attention gates: [N, C, H, W] ⊙ [N, 1, H, W] or [N, C, 1, 1]). */
  mul(a: Value, b: Value): Value {
    return this.op('Mul', [a, b], broadcastShape(a.shape, b.shape));
  }

  /** cat(values, axis). */
  concat(values: readonly Value[], axis: number): Value {
    const shape = [...values[0].shape];
    const sizes = values.map((v) => v.shape[axis]);
    shape[axis] = sizes.every((s) => typeof s === 'number') ? (sizes as number[]).reduce((x, y) => x + y, 0) : null;
    return this.op('Concat', values, shape, { axis });
  }

  /**
   * Zero-pad the H and W of x up to ref's H and W, the extra row/column at the bottom/right, as U-Net's Up does:
   *   F.pad(x, [dx // 2, dx − dx // 2, dy // 2, dy − dy // 2]),  dy, dx = ref size − x size.
   * With both sizes known this is one Pad with constant pads (or nothing); otherwise the pads are computed in the
   * graph, which is exactly ONNX's pads layout [begins..., ends...]:
   *   d = Shape(ref) − Shape(x) = [0, 0, dy, dx];  lo = d / 2;  hi = d − lo;  pads = Concat(lo, hi).
   */
  padToMatch(x: Value, ref: Value): Value {
    const shape = [x.shape[0], x.shape[1], ref.shape[2], ref.shape[3]];
    const [h, w, H, W] = [x.shape[2], x.shape[3], ref.shape[2], ref.shape[3]];
    if (typeof h === 'number' && typeof w === 'number' && typeof H === 'number' && typeof W === 'number') {
      const [dy, dx] = [H - h, W - w];
      if (dy < 0 || dx < 0) throw new ConfigError('exportOnnx', `cannot pad [${h}, ${w}] up to [${H}, ${W}]: the upsampled map is larger than the skip`);
      if (dy === 0 && dx === 0) return x;
      const pads = this.constInt64('pads', [0, 0, dy >> 1, dx >> 1, 0, 0, dy - (dy >> 1), dx - (dx >> 1)]);
      return this.op('Pad', [x, pads], shape, { mode: 'constant' });
    }
    const d = this.op('Sub', [this.op('Shape', [ref], [4]), this.op('Shape', [x], [4])], [4]);
    const lo = this.op('Div', [d, this.constInt64('two', [2], [])], [4]); // int64 Div truncates; d ≥ 0
    const hi = this.op('Sub', [d, lo], [4]);
    const pads = this.op('Concat', [lo, hi], [8], { axis: 0 });
    return this.op('Pad', [x, pads], shape, { mode: 'constant' });
  }
}

/** NumPy broadcasting (shapes aligned at the right), keeping what is known of each dim. */
export function broadcastShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (x === 1) out.push(y);
    else if (y === 1 || x === y) out.push(x);
    else out.push(typeof x === 'number' ? x : typeof y === 'number' ? y : (x ?? y));
  }
  return out;
}

function attribute(name: string, v: AttrValue): AttributeRecord {
  if (typeof v === 'number') return { name, type: 'int', value: v };
  if (typeof v === 'string') return { name, type: 'string', value: v };
  if (Array.isArray(v)) return { name, type: 'ints', value: v };
  return { name, type: 'float', value: (v as { f: number }).f };
}
