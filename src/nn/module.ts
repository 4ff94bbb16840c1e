/**
 * Module: the base of every layer and model. Parameters, buffers and children are registered explicitly under
 * their PyTorch names (`this.param('weight', t)`, `this.buffer('running_mean', t)`, `this.child('conv1', m)`),
 * because TypeScript fields are camelCase and reflection would produce the wrong state_dict keys.
 *
 * State-dict order is PyTorch's (`Module.state_dict`): a module's own parameters in registration order, then
 * its own buffers, then each child recursively under `prefix + name + '.'`, in registration order. Keeping three
 * ordered maps gives that order whatever order the constructor registers things in.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, isFloat } from '../tensor/dtype.js';
import { shapesEqual, fmtShape, numel } from '../tensor/shape.js';
import { ConfigError } from '../tensor/errors.js';
import { forwardScope, holdModuleState } from '../autograd/lifetimes.js';
import { prepareFreshBuffers } from '../tensor/buffer-pool.js';

export type StateDict = Map<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require the key sets to match exactly (PyTorch's default). Shape mismatches are errors either way. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A problem list from loadStateDict, one entry per bad key; the message lists them all. */
export class StateDictError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`loadStateDict: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
    this.name = 'StateDictError';
  }
}

const NAME = /^[A-Za-z0-9_]+$/;

export abstract class Module {
  /** Train mode (batch statistics in BatchNorm, active Dropout); switch with train()/eval(). */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  abstract forward(...inputs: Tensor[]): Tensor;

  constructor() {
    // Every call of forward is a lifetime scope (src/autograd/lifetimes.ts): the big tensors it makes and does not
    // return are released when it ends (inference) or once backward has used them (training). `this.forward` is
    // the subclass's method here; the wrapper is an own property, so `super.forward(x)` calls stay unwrapped.
    const forward = this.forward;
    this.forward = (...inputs: Tensor[]): Tensor => forwardScope(() => forward.apply(this, inputs));
  }

  /** Register a parameter: a leaf tensor that requires grad, saved in the state dict. Returns it. */
  protected param(name: string, t: Tensor): Tensor {
    this.#checkName('param', name);
    if (!isFloat(t.dtype)) throw new ConfigError('Module.param', `parameter '${name}' must be a float tensor, got ${t.dtype}`);
    if (!t.isLeaf) throw new ConfigError('Module.param', `parameter '${name}' must be a leaf tensor (not the output of an op)`);
    t.requiresGrad_(true);
    holdModuleState(t);
    prepareFreshBuffers(); // a model: its forward will run on the heap, whose threads and kernels can start now
    this.#params.set(name, t);
    return t;
  }

  /** Register a buffer: state that is saved but not trained (running statistics, counters). Returns it. */
  protected buffer(name: string, t: Tensor): Tensor {
    this.#checkName('buffer', name);
    holdModuleState(t);
    this.#buffers.set(name, t);
    return t;
  }

  /** Register a child module under `name` (its keys get the prefix `name.`). Returns it. */
  protected child<M extends Module>(name: string, m: M): M {
    this.#checkName('child', name);
    this.#children.set(name, m);
    return m;
  }

  #checkName(kind: string, name: string): void {
    if (!NAME.test(name)) throw new ConfigError(`Module.${kind}`, `name '${name}' must be letters, digits or '_' (no dots)`);
    if (this.#params.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new ConfigError(`Module.${kind}`, `'${name}' is already registered on ${this.constructor.name}`);
    }
  }

  /** Direct children in registration order. */
  children(): Module[] {
    return [...this.#children.values()];
  }

  namedChildren(): [string, Module][] {
    return [...this.#children.entries()];
  }

  /** This module (name '') and every descendant, depth first, with dotted names. */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, m] of this.#children) yield* m.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  /** Every parameter with its state-dict key, in PyTorch order; a tensor shared by two modules appears once. */
  namedParameters(): [string, Tensor][] {
    return this.#collect('params');
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    return this.#collect('buffers');
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  #collect(which: 'params' | 'buffers'): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of which === 'params' ? m.#params : m.#buffers) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  /**
   * The state dict: key -> tensor (the live tensors, not copies), own params, own buffers, then children, recursively.
   * Integer buffers (num_batches_tracked) are included; checkpoint.ts writes them as I64 as PyTorch does.
   */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    const visit = (m: Module, prefix: string): void => {
      for (const [name, t] of m.#params) out.set(prefix + name, t);
      for (const [name, t] of m.#buffers) out.set(prefix + name, t);
      for (const [name, c] of m.#children) visit(c, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copy a state dict's values into this module's tensors (in place, so references held by layers stay valid;
   * values are cast to each tensor's dtype, e.g. a float64 checkpoint into float32 parameters).
   * Every missing, unexpected and size-mismatched key is collected first and reported in one StateDictError;
   * nothing is copied when there is a problem (PyTorch copies the good keys and then raises).
   * With strict = false, missing and unexpected keys are returned instead of thrown; size mismatches still throw.
   */
  loadStateDict(sd: StateDict | Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const source = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !source.has(k));
    const unexpectedKeys = [...source.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict) {
      for (const k of missingKeys) problems.push(`missing key '${k}'`);
      for (const k of unexpectedKeys) problems.push(`unexpected key '${k}'`);
    }
    for (const [k, target] of own) {
      const t = source.get(k);
      if (!t) continue;
      if (!shapesEqual(t.shape, target.shape)) {
        problems.push(`size mismatch for '${k}': checkpoint ${fmtShape(t.shape)}, model ${fmtShape(target.shape)}`);
      } else if (!isFloat(target.dtype) && isFloat(t.dtype)) {
        problems.push(`dtype mismatch for '${k}': checkpoint ${t.dtype}, model ${target.dtype}`);
      }
    }
    if (problems.length) throw new StateDictError(problems);
    for (const [k, target] of own) {
      const t = source.get(k);
      if (t && t !== target) target.data.set(t.data);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Set train mode (true) or eval mode (false) on this module and every descendant. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Clear every parameter's gradient: set it to null (PyTorch's default), or fill it with zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else p.grad?.data.fill(0);
    }
  }

  /** Total number of parameter elements (shared parameters counted once). */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += numel(p.shape);
    return n;
  }

  /**
   * Convert every float parameter and buffer to `dtype` in place, keeping each Tensor object (as PyTorch's
   * `param.data = param.data.to(dtype)`), so fields that layers hold stay valid. Gradients are dropped.
   * Returns this. Used to run a model in float64 for gradient checks.
   */
  to(dtype: 'float32' | 'float64'): this {
    for (const t of [...this.parameters(), ...this.buffers()]) {
      if (!isFloat(t.dtype) || t.dtype === dtype) continue;
      const data = allocArray(dtype, t.size);
      data.set(t.data);
      t.replaceData(data);
      t.grad = null;
    }
    return this;
  }
}
