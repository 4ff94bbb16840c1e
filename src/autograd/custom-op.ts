/**
 * customOp: a differentiable op from a forward and a backward you write (the role of torch.autograd.Function,
 * tf.customGrad and jax.custom_vjp).
 *
 *   const cube = customOp('cube', {
 *     forward(ctx, x: Tensor) {
 *       ctx.save(x);                                   // what backward needs (PyTorch's save_for_backward)
 *       return mul(mul(x, x), x);
 *     },
 *     backward(ctx, gy) {
 *       const [x] = ctx.saved;
 *       return [ctx.needs[0] ? mul(gy, mul(mul(x, x), 3)) : null];   // d/dx x³ = 3x²
 *     },
 *   });
 *   cube(x).sum().backward();
 *
 * forward runs without recording (its inner ops are not graph nodes: the op is one node, named `name`), with
 * `ctx.needs[i]` true when argument i is a tensor that requires grad, the same mask the built-in ops get.
 * Arguments that are Tensors are the op's inputs; other arguments (numbers, option objects) are passed through and
 * get no gradient. backward receives dL/d(output) and returns one entry per argument, in order: dL/d(argument),
 * of the argument's shape and dtype, or null (for non-tensor arguments and inputs with `needs[i]` false).
 * backward runs without recording too. A wrong count, shape or dtype is an error naming the op, the input and the
 * shapes. `ctx.args` and `ctx.output` give backward the arguments and the output without saving them.
 *
 * Shape: whatever forward returns; one output tensor per op.
 */
import { Tensor } from '../tensor/tensor.js';
import { ConfigError, ShapeError } from '../tensor/errors.js';
import { allocArray } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import type { GradFn } from '../tensor/tensor.js';
import { isGradEnabled, noGrad } from './grad-mode.js';
import { record } from './record.js';

/** What forward sees besides its arguments. */
export interface ForwardContext {
  readonly name: string;
  /** needs[i]: argument i is a tensor that requires a gradient (PyTorch's ctx.needs_input_grad). */
  readonly needs: readonly boolean[];
  /** Keep tensors for backward, read back as `ctx.saved` (PyTorch's ctx.save_for_backward). */
  save(...tensors: Tensor[]): void;
}

/** What backward sees besides dL/d(output). */
export interface BackwardContext<A extends readonly unknown[]> {
  readonly name: string;
  /** The same mask as in forward: which arguments need a gradient. */
  readonly needs: readonly boolean[];
  /** The tensors forward saved, in order. */
  readonly saved: readonly Tensor[];
  /** forward's arguments as they were passed. */
  readonly args: A;
  /** forward's output. */
  readonly output: Tensor;
  /** True when backward runs this closure for the last time (no retainGraph, with or without recycle; see BackwardFn). */
  readonly recycling: boolean;
}

/** One gradient slot per argument: a Tensor (or null) for tensor arguments, null for the others. */
export type GradsOf<A extends readonly unknown[]> = { [K in keyof A]: A[K] extends Tensor | null | undefined ? Tensor | null : null };

export interface CustomOpDefinition<A extends readonly unknown[]> {
  /** Names of the arguments for messages (default "input i"). */
  readonly inputNames?: readonly string[];
  forward(ctx: ForwardContext, ...args: A): Tensor;
  backward(ctx: BackwardContext<A>, gy: Tensor): GradsOf<A>;
}

/** Argument names of custom ops' graph nodes, for gradcheck's messages. */
const namesOfNode = new WeakMap<GradFn, readonly string[]>();

/** The argument names a custom op gave its graph node (undefined for built-in ops). */
export function inputNamesOf(fn: GradFn): readonly string[] | undefined {
  return namesOfNode.get(fn);
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? `an array of ${v.length}` : typeof v);

/** Define a differentiable op named `name` from its forward and backward; returns the op as a function. */
export function customOp<A extends readonly unknown[]>(name: string, definition: CustomOpDefinition<A>): (...args: A) => Tensor {
  if (typeof name !== 'string' || name === '') throw new ConfigError('customOp', 'name must be a non-empty string');
  if (typeof definition?.forward !== 'function' || typeof definition.backward !== 'function') {
    throw new ConfigError('customOp', `${name}: the definition needs forward and backward functions`);
  }
  const label = (i: number): string => (definition.inputNames?.[i] ? `input ${i} (${definition.inputNames[i]})` : `input ${i}`);

  return (...args: A): Tensor => {
    const inputs = args.map((a) => (a instanceof Tensor ? a : null));
    const recording = isGradEnabled();
    const needs = inputs.map((t) => recording && !!t && t.requiresGrad);
    const saved: Tensor[] = [];
    const ctx: ForwardContext = { name, needs, save: (...ts) => void saved.push(...ts) };
    const result: unknown = noGrad(() => definition.forward(ctx, ...args));
    if (!(result instanceof Tensor)) throw new ConfigError(name, `forward must return a Tensor, got ${describe(result)}`);
    // A node's output must be a tensor of its own: an argument returned as is (identity) is copied.
    let out = result;
    if (inputs.includes(out) || out.gradFn) {
      const copy = allocArray(out.dtype, out.size);
      copy.set(out.data);
      out = new Tensor(copy, out.shape);
    }
    if (out.dtype === 'int32') return out; // not differentiable

    const y = record(name, inputs, out, (gy, _needs, recycling) => {
      const grads: unknown = definition.backward({ name, needs, saved, args, output: out, recycling: !!recycling }, gy);
      if (!Array.isArray(grads) || grads.length !== args.length) {
        throw new ConfigError(name, `backward must return one gradient (or null) per argument: ${args.length} expected, got ${describe(grads)}`);
      }
      return grads.map((g: unknown, i) => {
        if (g === null || g === undefined) return null;
        const x = inputs[i];
        if (!x) throw new ConfigError(name, `backward returned a gradient for argument ${i}, which is not a tensor (return null there)`);
        if (!(g instanceof Tensor)) throw new ConfigError(name, `backward's gradient for ${label(i)} must be a Tensor or null, got ${describe(g)}`);
        if (!shapesEqual(g.shape, x.shape)) {
          throw new ShapeError(name, `backward's gradient for ${label(i)} must have the input's shape`, { gradient: g.shape, input: x.shape });
        }
        if (g.dtype !== x.dtype) {
          throw new ShapeError(name, `backward's gradient for ${label(i)} is ${g.dtype}, the input is ${x.dtype}`, { gradient: g.shape, input: x.shape });
        }
        return g;
      });
    });
    if (y.gradFn && definition.inputNames) namesOfNode.set(y.gradFn, definition.inputNames);
    return y;
  };
}
