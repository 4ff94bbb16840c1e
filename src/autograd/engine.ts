/**
 * Reverse-mode differentiation over the dynamic graph that record() builds.
 *
 * backward(root, grad): sort the graph topologically (iteratively, so a 10,000-op chain is fine), then visit
 * nodes from the root towards the leaves, calling each op's backward closure once with the sum of the gradients
 * that flowed into its output. Gradients of leaves are accumulated into `.grad` (+=, so a leaf used twice gets
 * both contributions). The order of visits and of additions is fixed by the graph, so results are deterministic.
 * Unless retainGraph is set, closures are dropped after use (their saved tensors become garbage).
 * Kept apart: the pending sums of gradients (gradient-sums.ts) and which buffers go back to the pool, and when
 * (lifetimes.ts, BackwardMemory); the engine only tells the memory policy when a node's backward has run.
 */
import { Tensor, type GradFn } from '../tensor/tensor.js';
import { ShapeError } from '../tensor/errors.js';
import { allocArray } from '../tensor/dtype.js';
import { shapesEqual, fmtShape } from '../tensor/shape.js';
import { noGrad } from './grad-mode.js';
import { BackwardMemory } from './lifetimes.js';
import { GradientSums, addInto } from './gradient-sums.js';

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

/**
 * A leaf's .grad in a plain typed array (never from the buffer pool or the wasm heap): it outlives backward, and
 * zeroGrad() drops it without telling anyone, so its memory must be the garbage collector's alone.
 */
function plainCopy(g: Tensor, like: Tensor): Tensor {
  const d = g.data;
  const out = d instanceof Float32Array ? new Float32Array(d) : d instanceof Float64Array ? new Float64Array(d) : new Int32Array(d);
  return new Tensor(out, like.shape);
}

export function backward(root: Tensor, grad?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new ShapeError('backward', 'this tensor does not require grad and has no gradFn (did any input have requiresGrad?)', {
      tensor: root.shape,
    });
  }
  const memory = new BackwardMemory(root, options); // before the seed: the caller's `grad` is never released
  const sums = new GradientSums(memory);
  sums.add(root, seedGradient(root, grad));
  const order = topoSort(root);

  memory.run(() => noGrad(() => {
    // from the root towards the leaves: when t is visited, every consumer of t has sent its share of dL/dt
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = sums.take(t);
      if (!g) continue;
      const fn = t.gradFn;
      if (!fn) {
        // a leaf: accumulate into .grad (a fresh buffer the first time, so .grad never aliases another tensor)
        if (t.grad) addInto(t.grad, g);
        else t.grad = plainCopy(g, t);
        sums.done(g);
        continue;
      }
      memory.beforeNode(t);
      const gin = runNodeBackward(fn, t, g, memory.lastRun);
      if (!options.retainGraph) fn.backward = null;
      sums.addEach(fn.inputs, gin);
      sums.done(g);
      memory.nodeDone(t);
    }
  }));
}

/** Call t's backward closure with dL/dt = g and check that each gradient it returns has its input's shape. */
function runNodeBackward(fn: GradFn, t: Tensor, g: Tensor, lastRun: boolean): (Tensor | null)[] {
  if (!fn.backward) {
    throw new ShapeError(
      'backward',
      `the graph through '${fn.name}' was already freed; call backward with { retainGraph: true } to run it twice`,
      { tensor: t.shape },
    );
  }
  const needs = fn.inputs.map((x) => !!x && x.requiresGrad);
  const gin = fn.backward(g, needs, lastRun);
  for (let i = 0; i < fn.inputs.length; i++) {
    const x = fn.inputs[i];
    const gx = gin[i];
    if (x && x.requiresGrad && gx && !shapesEqual(gx.shape, x.shape)) {
      throw new Error(`backward of '${fn.name}': gradient for input ${i} has shape ${fmtShape(gx.shape)}, input has ${fmtShape(x.shape)}`);
    }
  }
  return gin;
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
