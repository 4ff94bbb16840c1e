/**
 * Tensor lifetimes: when a tensor's buffer goes back to the buffer pool (src/tensor/buffer-pool.ts) without the
 * user asking. The engine (engine.ts) and tidy (tidy.ts) hold no memory policy of their own; it is all here.
 *
 * Who owns a tensor. Every call of a Module's forward is a lifetime scope (Module wraps `forward`, see
 * src/nn/module.ts). A big tensor made inside it and not returned by it cannot be reached by the code after
 * the call, so it belongs to the scope; what a forward returns moves to the caller's scope; what the outermost
 * forward returns is the user's, as is everything made outside any forward (inputs, losses, `.grad`, parameters,
 * buffers). Only the scope's tensors are ever released automatically:
 *  - inference (nothing in the scope requires grad): at the end of the forward that made them, i.e. as soon as
 *    their last consumer has run (the consumers are all inside that forward);
 *  - training: they are intermediates of the graph, owned by it; those no backward closure reads (record's `saved`)
 *    are released when the forward ends, as in inference; the others once their own backward has run (all their
 *    consumers' backwards ran before it), unless retainGraph keeps the graph.
 * Gradients a backward makes are its own and go back as soon as they are consumed (the leaves get plain copies).
 * Reading a released tensor throws `its data was released ...`, never someone else's numbers.
 *
 * A forward that stashes a tensor it made (`this.last = h`) breaks the rule: the stash becomes unreadable.
 *
 * Buffers made inside a scope are views of the wasm heap on the wasm backend, so kernels use them in place; what
 * leaves the outermost forward is copied to a plain array (one memcpy of the output), so the garbage collector can
 * take it without an event-loop turn.
 */
import { Tensor, nextTensorId, swapTensorScope } from '../tensor/tensor.js';
import { type TypedArray, allocUninit } from '../tensor/dtype.js';
import {
  areLifetimesManaged, enterLifetimeScope, leaveLifetimeScope, noteManagedLifetimes, plainCopyOfSourced,
} from '../tensor/buffer-pool.js';
import { isGradEnabled } from './grad-mode.js';
import { ShapeError } from '../tensor/errors.js';

/** Intermediates of a recorded graph that no user code can reach (made inside a forward and not returned). */
const graphOwned = new WeakSet<Tensor>();
/** Tensors whose data some recorded backward closure reads (record's `saved`), and those never to be released early. */
const savedByGraph = new WeakSet<Tensor>();
const pinned = new WeakSet<Tensor>();

/** record() tells which tensors the closure it records reads; `pin`: keep them all until backward is done with them. */
export function noteSaved(ts: readonly (Tensor | null)[], pin = false): void {
  for (const t of ts) {
    if (!t) continue;
    savedByGraph.add(t);
    if (pin) pinned.add(t);
  }
}

/**
 * Recipes for saved tensors that are cheap to compute again from tensors the graph keeps anyway: the outputs of
 * gelu (from its input, which gelu's own backward reads), BatchNorm (from its input and statistics) and same-dtype
 * products (from the factors). Such a tensor is released when its forward ends, like one no backward reads, and
 * made again just before the first backward that reads it (BackwardMemory.beforeNode), by the same kernel on the
 * same inputs: the same bits. It then lives until its own backward has run. Gradient checkpointing for ops whose
 * recomputing costs one element-wise pass (the FFN's GELU output alone is 4·C channels at full resolution).
 */
const recipes = new WeakMap<Tensor, { from: readonly Tensor[]; fill: (into: TypedArray) => void }>();

/** Say that t (an op's output) can be made again by fill(into) from `from`; returns t. Only for recorded outputs. */
export function remakeable(t: Tensor, from: readonly Tensor[], fill: (into: TypedArray) => void): Tensor {
  if (t.gradFn) recipes.set(t, { from, fill });
  return t;
}

function remake(t: Tensor): void {
  const recipe = recipes.get(t)!;
  for (const s of recipe.from) if (s.isReleased && recipes.has(s)) remake(s); // gelu(gelu(x)): the inner one first
  const data = allocUninit(t.dtype, t.size); // every element written
  recipe.fill(data);
  t.replaceData(data);
}
/** Parameters and buffers of modules: never released, wherever they were made. */
const moduleState = new WeakSet<Tensor>();

/** Mark a module's parameter or buffer (Module.param / Module.buffer). */
export function holdModuleState(t: Tensor): void {
  moduleState.add(t);
}

/** Run one call of a Module's forward as a lifetime scope (see the top of this file). */
export function forwardScope<T>(run: () => T): T {
  const mine: Tensor[] = [];
  const outer = swapTensorScope(mine);
  enterLifetimeScope(!isGradEnabled());
  let result: T;
  try {
    result = run();
  } finally {
    leaveLifetimeScope();
    swapTensorScope(outer);
  }
  const returned = new Set<Tensor>(returnedTensors(result));
  // a recorded graph may have saved any of the scope's tensors in a backward closure
  const graph = isGradEnabled() || mine.some((t) => t.requiresGrad);
  for (const t of mine) {
    if (returned.has(t) || moduleState.has(t)) continue;
    if (!graph) t.release();
    else if (t.requiresGrad) {
      graphOwned.add(t);
      // its consumers have all run (they are in this forward) and none of their backwards reads it: the graph needs
      // its shape only (a residual sum, a branch of AMS's 5-way sum, a resize feeding a concatenation)
      if (!pinned.has(t) && (!savedByGraph.has(t) || recipes.has(t))) t.release();
    }
    // a training forward's tensors that do not require grad may be saved by a backward closure: left to the GC
  }
  for (const t of returned) {
    if (!mine.includes(t)) continue; // an input, or too small to be tracked
    if (outer !== null) outer.push(t);
    else if (!areLifetimesManaged() && !t.isReleased) {
      const plain = plainCopyOfSourced(t.data); // the outermost forward's result: the user's now
      if (plain) t.replaceData(plain);
    }
  }
  return result;
}

/**
 * y = layers[n-1](... layers[1](layers[0](x))): a chain, in which each layer's output is read by the next layer only.
 * Under inference (no graph) each intermediate goes back to the buffer pool as soon as the next layer has run,
 * instead of when the enclosing forward ends, so a chain holds two of its tensors at a time, not all of them (in a
 * 512² AMSUnet forward, the FFN's three 128 MB hidden maps). Released only when it is the current forward's own
 * (made in it, or returned to it by a layer), not the chain's input, not module state, and not what the next layer
 * returned (a layer may return its input unchanged). Sequential, FFN and Attention forward through it.
 */
export function forwardChain(x: Tensor, layers: readonly { forward(x: Tensor): Tensor }[]): Tensor {
  let y = x;
  for (const layer of layers) {
    const next = layer.forward(y);
    if (y !== x && y !== next) releaseConsumed([y]);
    y = next;
  }
  return y;
}

/**
 * The calling forward says its code reads none of `ts` again (they were consumed, e.g. by a sum). Under inference,
 * those that are this forward's own (made in it or returned to it, not module state) go back to the buffer pool now
 * rather than when the forward ends; in training (a graph may hold them) nothing happens. The caller must not pass
 * its own input or a tensor it is about to return.
 */
export function releaseConsumed(ts: readonly Tensor[]): void {
  if (isGradEnabled()) return;
  const current = swapTensorScope(null);
  swapTensorScope(current);
  if (current === null) return;
  for (const t of ts) if (!t.requiresGrad && !moduleState.has(t) && current.includes(t)) t.release();
}

/** The Tensors of a returned value: itself, the Tensors in an array, or the values of a plain object. */
export function returnedTensors(r: unknown): Tensor[] {
  if (r instanceof Tensor) return [r];
  if (Array.isArray(r)) return r.filter((x): x is Tensor => x instanceof Tensor);
  if (r !== null && typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype) {
    return Object.values(r).filter((x): x is Tensor => x instanceof Tensor);
  }
  return [];
}

/** How one backward call manages memory (the options it was given). */
export interface BackwardMemoryOptions {
  retainGraph?: boolean;
  recycle?: boolean | { keep?: readonly Tensor[] };
}

/**
 * The memory policy of one backward call. The engine tells it when a gradient is stored or handed on (hold), when
 * a place stops holding it (drop), and when a node's backward has run (nodeDone); it releases what is over.
 *  - gradients this call made: released when nothing holds them any more (a closure may return the same tensor for
 *    several inputs, or a tensor it captured, which has an older id and is never released);
 *  - nodes: with `recycle`, every intermediate except the root and `keep` (the caller vouches nothing else reads
 *    them); without it, the graph-owned ones (made inside a forward, not returned). Never with retainGraph.
 */
export class BackwardMemory {
  /** Closures may release what only they hold (conv2d's padded copy): they will not run again. */
  readonly lastRun: boolean;
  private readonly firstNewId = nextTensorId();
  private readonly explicit: boolean;
  private readonly keep: Set<Tensor>;
  private readonly uses = new Map<Tensor, number>();

  constructor(root: Tensor, options: BackwardMemoryOptions) {
    this.explicit = !!options.recycle;
    if (this.explicit && options.retainGraph) {
      throw new ShapeError('backward', 'recycle and retainGraph cannot be combined (recycle frees the tensors the graph needs)', { tensor: root.shape });
    }
    if (this.explicit) noteManagedLifetimes();
    this.lastRun = !options.retainGraph;
    this.keep = new Set<Tensor>(typeof options.recycle === 'object' ? (options.recycle.keep ?? []) : []);
    this.keep.add(root);
  }

  /** Run the backward pass inside a lifetime scope (gradients come from the heap; see buffer-pool.ts). */
  run(pass: () => void): void {
    enterLifetimeScope();
    try {
      pass();
    } finally {
      leaveLifetimeScope();
    }
  }

  hold(g: Tensor): void {
    this.uses.set(g, (this.uses.get(g) ?? 0) + 1);
  }

  drop(g: Tensor): void {
    const n = (this.uses.get(g) ?? 1) - 1;
    if (n > 0) this.uses.set(g, n);
    else {
      this.uses.delete(g);
      if (g.id >= this.firstNewId) g.release();
    }
  }

  /** t's backward is about to run: make again what it reads and was released for being cheap to remake. */
  beforeNode(t: Tensor): void {
    const fn = t.gradFn!;
    for (const s of fn.saved ?? fn.inputs) if (s && s.isReleased && recipes.has(s)) remake(s);
    if (!fn.saved && t.isReleased && recipes.has(t)) remake(t); // no list: the output counts as read too
  }

  /** t's backward has run: every consumer of t ran before it, so nothing in this graph reads t's data any more. */
  nodeDone(t: Tensor): void {
    if (!this.lastRun || this.keep.has(t) || this.uses.has(t)) return;
    if (this.explicit || graphOwned.has(t)) t.release();
  }
}
