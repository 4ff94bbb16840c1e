/**
 * The gradients a backward pass has computed and not yet consumed: for each node x, the sum of the dL/dx that
 * x's consumers have sent so far (engine.ts hands the sum to x's own backward once all of them have run).
 *
 * Summing without surprises: the first contribution is stored as it is (no copy), but it may be a tensor that a
 * closure returned for several inputs, or one it captured, so it is never added into. The second contribution
 * makes a fresh sum, which belongs to this table and takes every later one in place.
 *
 * Every place that holds a gradient (this table, a closure's result being handed out) is reported to the memory
 * policy (BackwardMemory in lifetimes.ts: hold when a place starts holding it, drop when it stops), which releases
 * the gradients this pass made once nothing holds them.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit } from '../tensor/dtype.js';
import { addInto as addIntoArray, addTo } from '../backend/dispatch/elementwise.js';
import type { BackwardMemory } from './lifetimes.js';

export class GradientSums {
  private readonly sums = new Map<Tensor, Tensor>();
  /** sums made here, safe to add into in place */
  private readonly owned = new Set<Tensor>();

  constructor(private readonly memory: BackwardMemory) {}

  /** x's gradient, now complete, removed from the table (undefined when none flowed into x); give it back with done(). */
  take(x: Tensor): Tensor | undefined {
    const g = this.sums.get(x);
    if (!g) return undefined;
    this.sums.delete(x);
    this.owned.delete(g); // handed to a closure that may return it for several inputs: never add into it again
    return g;
  }

  /** Add dL/dx = g into x's sum. */
  add(x: Tensor, g: Tensor): void {
    const prev = this.sums.get(x);
    if (!prev) {
      this.sums.set(x, g);
      this.memory.hold(g);
    } else if (this.owned.has(prev)) {
      addInto(prev, g);
    } else {
      const sum = sumAs(prev, g, x);
      this.sums.set(x, sum);
      this.memory.hold(sum);
      this.owned.add(sum);
      this.memory.drop(prev);
    }
  }

  /** Add each grads[i] into the sum of inputs[i] (skipping nulls and inputs that do not require grad). */
  addEach(inputs: readonly (Tensor | null)[], grads: readonly (Tensor | null)[]): void {
    for (const g of grads) if (g) this.memory.hold(g); // held while being handed out: one may serve several inputs
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i];
      const g = grads[i];
      if (x && x.requiresGrad && g) this.add(x, g);
    }
    for (const g of grads) if (g) this.memory.drop(g);
  }

  /** A gradient from take() has been used. */
  done(g: Tensor): void {
    this.memory.drop(g);
  }
}

/** target += g element-wise (on the pool for big heap-resident gradients; one addition per element either way). */
export function addInto(target: Tensor, g: Tensor): void {
  addIntoArray(target.data, g.data);
}

/** prev + g in a new tensor shaped like `like`: every element written once (the bits of prev's copy += g). */
function sumAs(prev: Tensor, g: Tensor, like: Tensor): Tensor {
  const out = allocUninit(like.dtype, prev.size);
  addTo(out, prev.data, g.data);
  return new Tensor(out, like.shape);
}
