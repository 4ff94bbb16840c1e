/**
 * record(): how every differentiable op joins the graph. An op computes its output eagerly, then hands
 * record() its name, its tensor inputs and a backward closure that maps dL/dout to dL/dinput for each input.
 * The closure captures exactly what backward needs (micrograd's `_backward`, PyTorch's saved tensors), so the
 * forward and backward of an op sit side by side in one function:
 *
 *   export function exp(x: Tensor): Tensor {
 *     const y = unaryKernel(x, Math.exp);
 *     return record('exp', [x], y, (gy) => [mul(gy, y)]);      // d/dx e^x = e^x = y
 *   }
 *
 * `needs[i]` is true when input i requires a gradient; a closure may skip work for the others (return null).
 *
 * `saved` lists the tensors whose data the closure reads (PyTorch's saved tensors; a tensor counts when the closure
 * holds its `.data` array too). Without it, all inputs and the output are taken as read. An intermediate of a
 * Module's forward that no closure reads needs no memory once the forward is over (src/autograd/lifetimes.ts): add,
 * cat and bilinear resize read none of their inputs, a conv reads its input but not its output. A closure reads a
 * saved tensor's `.data` when it runs, never an array taken in the forward: a saved tensor may have been released
 * and made again since (gelu's output, see `remakeable` in lifetimes.ts).
 */
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { noteSaved } from './lifetimes.js';
import './engine.js'; // installs Tensor.prototype.backward wherever ops are used

/**
 * `recycling` is true when backward runs the closure for the last time (any backward without retainGraph, with or
 * without `recycle`: the closure is dropped after it): it may then release tensors only the op itself made and holds
 * (see Tensor.release), e.g. conv2d's padded copy of its input. False under retainGraph.
 */
export type BackwardFn = (gy: Tensor, needs: readonly boolean[], recycling?: boolean) => (Tensor | null)[];

export function record(
  name: string, inputs: readonly (Tensor | null)[], out: Tensor, backward: BackwardFn, saved?: readonly (Tensor | null)[],
): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  for (const t of inputs) if (t && t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs: [...inputs], backward, saved: saved && [...saved] };
  // an observer (gradcheck's culprit search) reads every node's inputs and output after the forward: none is released
  noteSaved(saved && !observer ? saved : [...inputs, out], !!observer);
  if (observer) observer(out);
  return out;
}

/** Called with every new graph node as it is recorded; gradcheck's culprit search replays fn through it. */
let observer: ((node: Tensor) => void) | null = null;

/** Install (or with null, remove) the record observer, returning the previous one. */
export function observeRecords(fn: ((node: Tensor) => void) | null): ((node: Tensor) => void) | null {
  const prev = observer;
  observer = fn;
  return prev;
}
