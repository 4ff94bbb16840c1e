/**
 * Reverse-mode differentiation over the dynamic graph that record() builds.
 *
 * backward(root, grad): sort the graph topologically (iteratively, so a 10,000-op chain is fine), then visit
 * nodes from the root towards the leaves, calling each op's backward closure once with the sum of the gradients
 * that flowed into its output. Gradients of leaves are accumulated into `.grad` (+=, so a leaf used twice gets
 * both contributions). The order of visits and of additions is fixed by the graph, so results are deterministic.
 * Unless retainGraph is set, closures are dropped after use (their saved tensors become garbage).
 * Which buffers go back to the pool, and when, is decided apart, in lifetimes.ts (BackwardMemory): the engine only
 * says when a gradient is stored or handed on (hold), when a place stops holding it (drop), and when a node is done.
 */
import { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../tensor/errors.js';
import { allocArray } from '../tensor/dtype.js';
import { shapesEqual, fmtShape } from '../tensor/shape.js';
import { noGrad } from './grad-mode.js';
import { addIntoPooled } from '../backend/parallel/js-pooled.js';
import { BackwardMemory } from './lifetimes.js';

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
  /**
   * Release every intermediate of the graph, not only those made inside a Module's forward (which backward releases
   * anyway, see lifetimes.ts): each once its own backward has run (all its consumers ran before it). The root and the
   * tensors in `keep` stay readable; reading any other intermediate afterwards throws. Not with retainGraph.
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
  const memory = new BackwardMemory(root, options); // before the seed: the caller's `grad` is never released
  const seed = seedGradient(root, grad);
  const order = topoSort(root);
  const grads = new Map<Tensor, Tensor>();
  const owned = new Set<Tensor>(); // sums created here, safe to add into in place
  const store = (x: Tensor, g: Tensor): void => {
    grads.set(x, g);
    memory.hold(g);
  };
  store(root, seed);

  memory.run(() => noGrad(() => {
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
        memory.drop(g);
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
      const gin = fn.backward(g, needs, memory.lastRun);
      if (!options.retainGraph) fn.backward = null;
      for (const gx of gin) if (gx) memory.hold(gx); // while they are being handed out
      for (let i = 0; i < fn.inputs.length; i++) {
        const x = fn.inputs[i];
        const gx = gin[i];
        if (!x || !x.requiresGrad || !gx) continue;
        if (!shapesEqual(gx.shape, x.shape)) {
          throw new Error(`backward of '${fn.name}': gradient for input ${i} has shape ${fmtShape(gx.shape)}, input has ${fmtShape(x.shape)}`);
        }
        const prev = grads.get(x);
        if (!prev) store(x, gx);
        else if (owned.has(prev)) addInto(prev, gx);
        else {
          const sum = cloneAs(prev, x);
          addInto(sum, gx);
          store(x, sum);
          owned.add(sum);
          memory.drop(prev);
        }
      }
      for (const gx of gin) if (gx) memory.drop(gx);
      memory.drop(g);
      memory.nodeDone(t);
    }
  }));
}

/** dL/droot to start from: 1 for a one-element root, else the caller's gradient of the root's shape. */
function seedGradient(root: Tensor, grad: Tensor | undefined): Tensor {
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ShapeError('backward', 'grad can be implicitly created only for one-element outputs; pass a gradient', {
        output: root.shape,
      });
    }
    const one = allocArray(root.dtype, 1);
    one[0] = 1;
    return new Tensor(one, root.shape);
  }
  if (!shapesEqual(grad.shape, root.shape)) {
    throw new ShapeError('backward', 'gradient shape must equal output shape', { grad: grad.shape, output: root.shape });
  }
  return grad;
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
