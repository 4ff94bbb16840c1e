/**
 * Reverse-mode differentiation over the dynamic graph that record() builds.
 *
 * backward(root, grad): sort the graph topologically (iteratively, so a 10,000-op chain is fine), then visit
 * nodes from the root towards the leaves, calling each op's backward closure once with the sum of the gradients
 * that flowed into its output. Gradients of leaves are accumulated into `.grad` (+=, so a leaf used twice gets
 * both contributions). The order of visits and of additions is fixed by the graph, so results are deterministic.
 * Unless retainGraph is set, closures are dropped after use (their saved tensors become garbage).
 */
import { Tensor, nextTensorId } from '../tensor/tensor.js';
import { ShapeError } from '../tensor/errors.js';
import { allocArray } from '../tensor/dtype.js';
import { shapesEqual, fmtShape } from '../tensor/shape.js';
import { noGrad } from './grad-mode.js';
import { addIntoPooled } from '../backend/parallel/js-pooled.js';
import { noteManagedLifetimes } from '../tensor/buffer-pool.js';

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
  /**
   * Give buffers back to the buffer pool (src/tensor/buffer-pool.ts) as soon as backward is done with them: each
   * intermediate tensor of the graph once its own backward has run (all its consumers ran before it), and each
   * gradient this call made once it has been consumed. The root and the tensors in `keep` stay readable; reading
   * any other intermediate afterwards throws. For training loops: the next step reuses the memory instead of
   * faulting in fresh pages, and memory is freed during backward instead of after it. Not with retainGraph.
   */
  recycle?: boolean | { keep?: readonly Tensor[] };
}

/** Nodes reachable from root that require grad, each after all of its inputs (iterative post-order DFS). */
function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child && child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** target += g element-wise (4-way unrolled: one addition per element, so the same bits as the plain loop). */
function addInto(target: Tensor, g: Tensor): void {
  const a = target.data;
  const b = g.data;
  if (a instanceof Float32Array || a instanceof Float64Array) {
    if (addIntoPooled(a, b as typeof a)) return; // big heap-resident gradients: the same loop on every thread
  }
  const n = a.length;
  const body = n - (n & 3);
  let i = 0;
  for (; i < body; i += 4) {
    a[i] += b[i];
    a[i + 1] += b[i + 1];
    a[i + 2] += b[i + 2];
    a[i + 3] += b[i + 3];
  }
  for (; i < n; i++) a[i] += b[i];
}

/**
 * A leaf's .grad in a plain typed array (never from the buffer pool or the wasm heap): it outlives backward, and
 * zeroGrad() drops it without telling anyone, so its memory must be the garbage collector's alone.
 */
function plainCopy(g: Tensor, like: Tensor): Tensor {
  const d = g.data;
  const out = d instanceof Float32Array ? new Float32Array(d) : d instanceof Float64Array ? new Float64Array(d) : new Int32Array(d);
  return new Tensor(out, like.shape);
}

function cloneAs(g: Tensor, like: Tensor): Tensor {
  const out = allocArray(like.dtype, g.size);
  out.set(g.data);
  return new Tensor(out, like.shape);
}

export function backward(root: Tensor, grad?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new ShapeError('backward', 'this tensor does not require grad and has no gradFn (did any input have requiresGrad?)', {
      tensor: root.shape,
    });
  }
  // Gradients made during this call have ids from here on; only those may be recycled (a closure could return a
  // tensor it captured, which someone else may still hold; the caller's `grad` is theirs).
  const firstNewId = nextTensorId();
  let seed: Tensor;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ShapeError('backward', 'grad can be implicitly created only for one-element outputs; pass a gradient', {
        output: root.shape,
      });
    }
    const one = allocArray(root.dtype, 1);
    one[0] = 1;
    seed = new Tensor(one, root.shape);
  } else {
    if (!shapesEqual(grad.shape, root.shape)) {
      throw new ShapeError('backward', 'gradient shape must equal output shape', { grad: grad.shape, output: root.shape });
    }
    seed = grad;
  }

  const recycle = !!options.recycle;
  if (recycle && options.retainGraph) {
    throw new ShapeError('backward', 'recycle and retainGraph cannot be combined (recycle frees the tensors the graph needs)', { tensor: root.shape });
  }
  if (recycle) noteManagedLifetimes();
  const keep = new Set<Tensor>(typeof options.recycle === 'object' ? (options.recycle.keep ?? []) : []);
  keep.add(root);
  const order = topoSort(root);
  const grads = new Map<Tensor, Tensor>();
  const owned = new Set<Tensor>(); // gradients created here, safe to add into in place
  // Recycling only: how many places hold each gradient (slots of `grads`, plus the node being processed); a
  // gradient made by this call is released when that count reaches zero.
  const uses = new Map<Tensor, number>();
  const hold = (g: Tensor): void => {
    if (recycle) uses.set(g, (uses.get(g) ?? 0) + 1);
  };
  const drop = (g: Tensor): void => {
    if (!recycle) return;
    const n = (uses.get(g) ?? 1) - 1;
    if (n > 0) uses.set(g, n);
    else {
      uses.delete(g);
      if (g.id >= firstNewId) g.release();
    }
  };
  grads.set(root, seed);
  hold(seed);

  noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      grads.delete(t);
      if (!g) continue;
      // g is handed to a closure that may return it for several inputs (add does): never add into it again
      owned.delete(g);
      const fn = t.gradFn;
      if (!fn) {
        // a leaf: accumulate into .grad (a fresh buffer the first time, so .grad never aliases another tensor)
        if (t.grad) addInto(t.grad, g);
        else t.grad = plainCopy(g, t);
        drop(g);
        continue;
      }
      if (!fn.backward) {
        throw new ShapeError(
          'backward',
          `the graph through '${fn.name}' was already freed; call backward with { retainGraph: true } to run it twice`,
          { tensor: t.shape },
        );
      }
      const needs = fn.inputs.map((x) => !!x && x.requiresGrad);
      const gin = fn.backward(g, needs, recycle);
      if (!options.retainGraph) fn.backward = null;
      for (const gx of gin) if (gx) hold(gx); // while they are being handed out
      for (let i = 0; i < fn.inputs.length; i++) {
        const x = fn.inputs[i];
        const gx = gin[i];
        if (!x || !x.requiresGrad || !gx) continue;
        if (!shapesEqual(gx.shape, x.shape)) {
          throw new Error(`backward of '${fn.name}': gradient for input ${i} has shape ${fmtShape(gx.shape)}, input has ${fmtShape(x.shape)}`);
        }
        const prev = grads.get(x);
        if (!prev) {
          grads.set(x, gx);
          hold(gx);
        } else if (owned.has(prev)) addInto(prev, gx);
        else {
          const sum = cloneAs(prev, x);
          addInto(sum, gx);
          grads.set(x, sum);
          hold(sum);
          owned.add(sum);
          drop(prev);
        }
      }
      for (const gx of gin) if (gx) drop(gx);
      drop(g);
      // every consumer of t ran before t: nothing reads t's data any more
      if (recycle && !keep.has(t) && !uses.has(t)) t.release();
    }
  });
}

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** Compute dL/dleaf for every leaf this tensor depends on (accumulated into leaf.grad). */
    backward(grad?: Tensor, options?: BackwardOptions): void;
  }
}
Tensor.prototype.backward = function (this: Tensor, grad?: Tensor, options?: BackwardOptions): void {
  backward(this, grad, options);
};
