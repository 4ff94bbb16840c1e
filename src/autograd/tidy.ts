/**
 * tidy(fn): run fn, then release (see src/tensor/buffer-pool.ts) every tensor created during fn except the ones it
 * returns, so their memory is reused by the next call instead of waiting for the garbage collector (tf.tidy's
 * contract). Meant for inference: `const logits = tidy(() => noGrad(() => model.forward(x)))`.
 *
 * What is never released: the returned value (a Tensor, or the Tensors in a returned array or in the values of a
 * returned plain object), tensors that require grad (parameters, or a graph a later backward needs), and tensors
 * whose buffer is shared with another tensor. Everything else created inside becomes unreadable: reading it throws.
 * So fn must not stash tensors it creates anywhere else (no model construction inside tidy: a BatchNorm's running
 * statistics would be released). Scopes nest: what an inner tidy returns belongs to the outer one.
 */
import { type Tensor, swapTensorScope } from '../tensor/tensor.js';
import { enterLifetimeScope, leaveLifetimeScope, noteManagedLifetimes } from '../tensor/buffer-pool.js';
import { returnedTensors } from './lifetimes.js';

export function tidy<T>(fn: () => T): T {
  noteManagedLifetimes();
  const mine: Tensor[] = [];
  const outer = swapTensorScope(mine);
  enterLifetimeScope();
  let result: T;
  try {
    result = fn();
  } finally {
    leaveLifetimeScope();
    swapTensorScope(outer);
  }
  const kept = new Set<Tensor>(returnedTensors(result));
  for (const t of mine) {
    if (kept.has(t) || t.requiresGrad) outer?.push(t);
    else t.release();
  }
  return result;
}
