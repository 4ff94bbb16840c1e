/**
 * Which op is wrong: gradcheck's search, run when the gradient of a whole function disagrees with its numerical
 * derivative. It checks every recorded op on its own, in recording (forward) order, and returns the first whose
 * backward disagrees with its own numerical Jacobian.
 *
 * The graph keeps each op's backward but not its forward, so an op's Jacobian is measured by running fn again
 * (a replay) and changing what that one op reads: during op k's window (after node k−1 is recorded, until node k
 * is), reading input a's `.data` returns a + s·ε·u instead. For a random cotangent w of op k's output,
 *   numerical  (⟨w, y_k(a + εu)⟩ − ⟨w, y_k(a − εu)⟩) / 2ε      (the replay stops once node k is recorded)
 *   analytical ⟨backward_k(w)_a, u⟩                             (op k's closure called directly, with the needs
 *                                                               mask the engine would pass)
 * and the pair passes when |analytical − numerical| ≤ atol + rtol·|numerical|. A failing op is then checked one
 * element at a time (e_j instead of u) to name the index. An input that fills several slots of the op (x·x) is
 * perturbed in all of them together and compared with the sum of those slots' gradients.
 *
 * A value the graph does not see (detach, noGrad, reading .data) can carry the perturbation into op k's other
 * inputs within the same window; then op k is not blamed: the report says which input changed without being
 * recorded. If no op fails, the same test runs for each checked function input over the whole replay.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapesEqual, stridesOf, fmtShape } from '../tensor/shape.js';
import type { FloatArray } from '../tensor/dtype.js';
import { Generator } from '../tensor/rng.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { observeRecords } from './record.js';
import { inputNamesOf } from './custom-op.js';

/** The op gradcheck found at fault. */
export interface Culprit {
  /**
   * 'backward': the op's backward disagrees with its numerical Jacobian (or returned a wrong shape);
   * 'untracked': the op's input `input` changes with `source` through a path the graph does not record.
   */
  readonly kind: 'backward' | 'untracked';
  /** The op's name (its gradFn name, a custom op's name). */
  readonly op: string;
  /** Its position among the recorded ops (0 = recorded first), and how many were recorded. */
  readonly node: number;
  readonly nodes: number;
  /** Which input of the op (its argument position), and that input's name when the op gives one. */
  readonly input: number;
  readonly inputName?: string;
  /** The element where the op is first wrong (row-major), when found; else the comparison is directional. */
  readonly index?: readonly number[];
  readonly numerical?: number;
  readonly analytical?: number;
  /** For 'untracked': the function input whose perturbation leaked, as gradcheck labels it. */
  readonly source?: string;
  /** For a backward that threw or returned a wrong shape: its message. */
  readonly detail?: string;
}

export interface CulpritSearch {
  eps: number;
  atol: number;
  rtol: number;
  seed: number;
  /** Inputs at most this large are checked element by element to name the index (default 4096). */
  maxElements?: number;
  /** How gradcheck labels function input i, for 'untracked' reports. */
  label: (i: number) => string;
  /** The function inputs gradcheck checks (indices into xs). */
  wrt: readonly number[];
}

/** Raised from the record observer to end a replay once the node of interest is recorded. */
class StopReplay {}

type Ref = { node: number } | { tensor: Tensor };

interface Trace {
  nodes: Tensor[];
  /** For each node, each input slot: where that input comes from (null: no tensor). */
  refs: (Ref | null)[][];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function randn(rng: Generator, n: number): Float64Array {
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = rng.normal();
  return u;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const s = stridesOf(shape);
  return s.map((st, i) => Math.floor(flat / st) % shape[i]);
}

function sameData(a: Tensor, b: Tensor): boolean {
  const x = a.data;
  const y = b.data;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** Run fn with recording on, calling onNode(k, node) as each node is recorded; StopReplay ends the run quietly. */
function replay(fn: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], onNode: (k: number, node: Tensor) => void): void {
  let k = 0;
  const prev = observeRecords((node) => onNode(k++, node));
  try {
    enableGrad(() => fn(...xs));
  } catch (e) {
    if (!(e instanceof StopReplay)) throw e;
  } finally {
    observeRecords(prev);
  }
}

function trace(fn: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[]): Trace {
  const nodes: Tensor[] = [];
  replay(fn, xs, (_k, node) => void nodes.push(node));
  const index = new Map(nodes.map((t, k) => [t, k]));
  const refs = nodes.map((t) =>
    t.gradFn!.inputs.map((x): Ref | null => (x === null ? null : index.has(x) ? { node: index.get(x)! } : { tensor: x })),
  );
  return { nodes, refs };
}

/** Make reads of t.data return `data` until the returned function is called. */
function shadowData(t: Tensor, data: FloatArray): () => void {
  Object.defineProperty(t, 'data', { get: () => data, configurable: true });
  return () => void delete (t as { data?: unknown }).data;
}

/**
 * One replay in which, during node k's window, the input in `ref` reads as base + shift. Returns node k's output
 * and inputs as recorded in the replay (null if the replay did not reach node k).
 */
function probe(
  fn: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  tr: Trace,
  k: number,
  ref: Ref,
  shifted: FloatArray,
): { out: Tensor; inputs: readonly (Tensor | null)[] } | null {
  const made: Tensor[] = [];
  const shadow: { undo: (() => void) | null } = { undo: null };
  let result: { out: Tensor; inputs: readonly (Tensor | null)[] } | null = null;
  const arm = (): void => {
    const target = 'node' in ref ? made[ref.node] : ref.tensor;
    shadow.undo = shadowData(target, shifted);
  };
  try {
    if (k === 0) arm();
    replay(fn, xs, (j, node) => {
      made.push(node);
      if (node.gradFn!.name !== tr.nodes[j].gradFn!.name) {
        throw new Error(`gradcheck: fn recorded '${node.gradFn!.name}' where its first run recorded '${tr.nodes[j].gradFn!.name}' (node ${j}); fn must be deterministic`);
      }
      if (j === k - 1) arm();
      if (j === k) {
        shadow.undo?.();
        shadow.undo = null;
        result = { out: node, inputs: node.gradFn!.inputs };
        throw new StopReplay();
      }
    });
  } finally {
    shadow.undo?.();
  }
  return result;
}

/** Find the first recorded op whose backward disagrees with its own numerical Jacobian (see the file comment). */
export function findCulprit(fn: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], opts: CulpritSearch): Culprit | null {
  const { eps, atol, rtol } = opts;
  const maxElements = opts.maxElements ?? 4096;
  const rng = new Generator(opts.seed);
  const close = (a: number, n: number): boolean => Math.abs(a - n) <= atol + rtol * Math.abs(n) && Number.isFinite(a);
  const tr = trace(fn, xs);
  const nodes = tr.nodes.length;
  const leafLabel = (t: Tensor): string => {
    const i = xs.indexOf(t);
    return i >= 0 ? opts.label(i) : `a tensor of shape ${fmtShape(t.shape)} that fn did not receive as an input`;
  };

  for (let k = 0; k < nodes; k++) {
    const node = tr.nodes[k];
    const gradFn = node.gradFn!;
    const op = gradFn.name;
    const names = inputNamesOf(gradFn);
    const base = { op, node: k, nodes };
    const named = (i: number): { input: number; inputName?: string } => (names?.[i] ? { input: i, inputName: names[i] } : { input: i });
    const needs = gradFn.inputs.map((x) => !!x && x.requiresGrad);
    const w = randn(rng, node.size);
    let grads: (Tensor | null)[];
    try {
      grads = noGrad(() => gradFn.backward!(new Tensor(Float64Array.from(w), node.shape), needs, false));
    } catch (e) {
      return { kind: 'backward', ...base, ...named(needs.indexOf(true)), detail: (e as Error).message };
    }
    const done = new Set<Tensor>();
    for (let i = 0; i < gradFn.inputs.length; i++) {
      const a = gradFn.inputs[i];
      const ref = tr.refs[k][i];
      if (!a || !needs[i] || !ref || done.has(a) || a.dtype !== 'float64') continue;
      done.add(a);
      // every slot a fills: its gradient is the sum of theirs
      const slots = gradFn.inputs.flatMap((x, j) => (x === a ? [j] : []));
      const g = new Float64Array(a.size);
      for (const j of slots) {
        const gj = grads[j];
        if (!needs[j] || !gj) continue;
        if (!shapesEqual(gj.shape, a.shape)) {
          return { kind: 'backward', ...base, ...named(j), detail: `its backward returned a gradient of shape ${fmtShape(gj.shape)} for an input of shape ${fmtShape(a.shape)}` };
        }
        for (let e = 0; e < g.length; e++) g[e] += gj.data[e];
      }
      const a0 = Float64Array.from(a.data);
      // numerical ⟨w, y_k(a + s·ε·u)⟩; null when an untracked input of op k moved with a
      const leak = (shift: (out: Float64Array, s: number) => void): { value: number } | { input: number } => {
        const values: number[] = [];
        for (const s of [1, -1]) {
          const shifted = Float64Array.from(a0);
          shift(shifted, s);
          const got = probe(fn, xs, tr, k, ref, shifted);
          if (!got) throw new Error(`gradcheck: fn stopped before recording node ${k} ('${op}') when run again; fn must be deterministic`);
          for (let j = 0; j < got.inputs.length; j++) {
            const now = got.inputs[j];
            const then = gradFn.inputs[j];
            if (now && then && then !== a && !slots.includes(j) && !sameData(now, then)) return { input: j };
          }
          values.push(dot(w, got.out.data));
        }
        return { value: (values[0] - values[1]) / (2 * eps) };
      };
      const source = 'node' in ref ? `the output of node ${ref.node} ('${tr.nodes[ref.node].gradFn!.name}')` : leafLabel(ref.tensor);
      const u = randn(rng, a.size);
      const dir = leak((out, s) => {
        for (let e = 0; e < out.length; e++) out[e] += s * eps * u[e];
      });
      if ('input' in dir) return { kind: 'untracked', ...base, ...named(dir.input), source };
      const analytical = dot(g, u);
      if (close(analytical, dir.value)) continue;
      // op k is wrong: name the element
      if (a.size <= maxElements) {
        for (let e = 0; e < a.size; e++) {
          const el = leak((out, s) => {
            out[e] += s * eps;
          });
          if ('input' in el) return { kind: 'untracked', ...base, ...named(el.input), source };
          if (!close(g[e], el.value)) {
            return { kind: 'backward', ...base, ...named(slots[0]), index: unravel(e, a.shape), numerical: el.value, analytical: g[e] };
          }
        }
      }
      return { kind: 'backward', ...base, ...named(slots[0]), numerical: dir.value, analytical };
    }
  }
  return findUntracked(fn, xs, tr, opts, rng);
}

/** No op is wrong on its own: look for a function input that reaches an op's input outside the graph. */
function findUntracked(fn: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], tr: Trace, opts: CulpritSearch, rng: Generator): Culprit | null {
  for (const i of opts.wrt) {
    const x = xs[i];
    if (x.dtype !== 'float64') continue;
    const shifted = Float64Array.from(x.data);
    for (let e = 0; e < shifted.length; e++) shifted[e] += opts.eps * rng.normal();
    const moved: { node: Tensor; k: number; j: number }[] = [];
    const undo = shadowData(x, shifted);
    try {
      replay(fn, xs, (k, node) => {
        if (moved.length) return;
        const then = tr.nodes[k]?.gradFn?.inputs ?? [];
        node.gradFn!.inputs.forEach((now, j) => {
          const was = then[j];
          if (moved.length || !now || now.requiresGrad || !was || sameData(now, was)) return;
          moved.push({ node, k, j });
        });
      });
    } finally {
      undo();
    }
    if (moved.length) {
      const { node, k, j } = moved[0];
      // asked after the replay: a custom op names its node's inputs once record() (and so this observer) has returned
      const names = inputNamesOf(node.gradFn!);
      return { kind: 'untracked', op: node.gradFn!.name, node: k, nodes: tr.nodes.length, input: j, ...(names?.[j] ? { inputName: names[j] } : {}), source: opts.label(i) };
    }
  }
  return null;
}
