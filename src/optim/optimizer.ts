/**
 * Optimizer: parameter groups with hyper-parameters, per-parameter state, zeroGrad() and step().
 *
 * step() runs under noGrad and updates every parameter that has a gradient in place, element by element, in its
 * own dtype: no tensor is allocated per step except each state buffer on the parameter's first step.
 * stateDict()/loadStateDict() follow PyTorch's layout: state keyed by the parameter's index over all groups,
 * and the groups' hyper-parameters with `params` as index lists. The dict holds copies, so saving it and later
 * restoring it continues training bit-identically.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, type FloatArray } from '../tensor/dtype.js';
import { ConfigError } from '../tensor/errors.js';
import { noGrad } from '../autograd/grad-mode.js';

/** Hyper-parameters of a group: numbers, booleans, or number tuples (betas). */
export type HyperValue = number | boolean | readonly number[];
export type Hyper = Record<string, HyperValue>;

export type ParamGroup<H extends Hyper> = H & { params: Tensor[]; lr: number };
/** A group as the user passes it: params plus any hyper-parameters that override the defaults. */
export type ParamGroupInput<H extends Hyper> = Partial<H> & { params: Iterable<Tensor> };

/** Per-parameter state: the step count and named buffers (momentum_buffer, exp_avg, exp_avg_sq, ...). */
export interface ParamState {
  step: number;
  buffers: Record<string, FloatArray>;
}

export interface OptimizerStateDict {
  /** Per-parameter state keyed by the parameter's position over all groups (PyTorch's integer keys). */
  state: Map<number, { step: number; buffers: Record<string, Tensor> }>;
  paramGroups: (Hyper & { params: number[] })[];
}

/** What schedulers, checkpoints and training loops need from any optimizer, whatever its hyper-parameters. */
export interface OptimizerLike {
  readonly name: string;
  readonly paramGroups: readonly { lr: number; params: Tensor[] }[];
  step(): void;
  zeroGrad(setToNone?: boolean): void;
  stateDict(): OptimizerStateDict;
  loadStateDict(sd: OptimizerStateDict): void;
}

export abstract class Optimizer<H extends Hyper & { lr: number }> implements OptimizerLike {
  readonly paramGroups: ParamGroup<H>[];
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: Iterable<Tensor> | readonly ParamGroupInput<H>[], readonly defaults: H) {
    const list = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    const groups: ParamGroupInput<H>[] = list.length && !(list[0] instanceof Tensor)
      ? (list as ParamGroupInput<H>[])
      : [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>];
    const seen = new Set<Tensor>();
    this.paramGroups = groups.map((g, gi) => {
      const ps = [...g.params];
      for (const p of ps) {
        if (!(p instanceof Tensor)) throw new ConfigError(this.name, `group ${gi}: params must be tensors`);
        if (!p.isLeaf || !p.requiresGrad) throw new ConfigError(this.name, `group ${gi}: every parameter must be a leaf tensor with requiresGrad`);
        if (p.dtype === 'int32') throw new ConfigError(this.name, `group ${gi}: parameters must be float tensors`);
        if (seen.has(p)) throw new ConfigError(this.name, `group ${gi}: a parameter appears more than once`);
        seen.add(p);
      }
      const group = { ...defaults, ...g, params: ps } as ParamGroup<H>;
      this.validate(group);
      return group;
    });
    if (seen.size === 0) throw new ConfigError(new.target.name, 'got an empty parameter list');
  }

  /** The optimizer's name for messages ("AdamW"). */
  abstract get name(): string;

  /** Check a group's hyper-parameters; throw ConfigError on a bad value. */
  protected abstract validate(group: ParamGroup<H>): void;

  /** Update one parameter in place from its gradient; `state.step` has already been incremented. */
  protected abstract update(p: FloatArray, g: FloatArray, state: ParamState, group: ParamGroup<H>): void;

  /** Clear every parameter's gradient (null, as PyTorch's default set_to_none, or zero-filled). */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (setToNone) p.grad = null;
        else p.grad?.data.fill(0);
      }
    }
  }

  /** One update of every parameter that has a gradient (parameters without one are skipped, as in PyTorch). */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          let st = this.state.get(p);
          if (!st) {
            st = { step: 0, buffers: {} };
            this.state.set(p, st);
          }
          st.step += 1;
          this.update(p.data as FloatArray, p.grad.data as FloatArray, st, group);
        }
      }
    });
  }

  /** A state buffer of the parameter's size and dtype, created zero-filled (or copied from `init`) on first use. */
  protected buffer(state: ParamState, name: string, like: FloatArray, init?: FloatArray): FloatArray {
    let b = state.buffers[name];
    if (!b) {
      b = allocArray(like instanceof Float64Array ? 'float64' : 'float32', like.length) as FloatArray;
      if (init) b.set(init);
      state.buffers[name] = b;
    }
    return b;
  }

  /** A deep copy of the state (buffers as tensors shaped like their parameters) and of the group settings. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = new Map();
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const ids: number[] = [];
      for (const p of group.params) {
        const st = this.state.get(p);
        if (st) {
          const buffers: Record<string, Tensor> = {};
          for (const [k, b] of Object.entries(st.buffers)) buffers[k] = new Tensor(b.slice(), p.shape);
          state.set(index, { step: st.step, buffers });
        }
        ids.push(index++);
      }
      paramGroups.push({ ...copyHyper(group), params: ids });
    }
    return { state, paramGroups };
  }

  /** Restore a state dict from an optimizer over parameters of the same shapes, in the same group layout. */
  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ConfigError(`${this.name}.loadStateDict`, `state has ${sd.paramGroups.length} parameter groups, optimizer has ${this.paramGroups.length}`);
    }
    const byIndex: Tensor[] = [];
    sd.paramGroups.forEach((g, gi) => {
      const own = this.paramGroups[gi].params;
      if (g.params.length !== own.length) {
        throw new ConfigError(`${this.name}.loadStateDict`, `group ${gi} has ${g.params.length} parameters in the state, ${own.length} in the optimizer`);
      }
      g.params.forEach((id, i) => (byIndex[id] = own[i]));
    });
    const restored = new Map<Tensor, ParamState>();
    for (const [id, st] of sd.state) {
      const p = byIndex[id];
      if (!p) throw new ConfigError(`${this.name}.loadStateDict`, `state for parameter ${id}, which no group lists`);
      const buffers: Record<string, FloatArray> = {};
      for (const [k, t] of Object.entries(st.buffers)) {
        if (t.size !== p.size) {
          throw new ConfigError(`${this.name}.loadStateDict`, `parameter ${id}: buffer '${k}' has ${t.size} elements, the parameter ${p.size}`);
        }
        const b = allocArray(p.dtype, p.size) as FloatArray;
        b.set(t.data);
        buffers[k] = b;
      }
      restored.set(p, { step: st.step, buffers });
    }
    this.state.clear();
    for (const [p, st] of restored) this.state.set(p, st);
    sd.paramGroups.forEach((g, gi) => Object.assign(this.paramGroups[gi], copyHyper(g)));
  }
}

/** The hyper-parameters of a group without its params, arrays copied. */
function copyHyper(group: Hyper & { params: unknown }): Hyper {
  const out: Hyper = {};
  for (const [k, v] of Object.entries(group)) if (k !== 'params') out[k] = Array.isArray(v) ? [...v] : (v as HyperValue);
  return out;
}
