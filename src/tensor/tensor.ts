/**
 * Tensor: a contiguous, row-major block of numbers with a shape and a dtype, plus the autograd fields.
 * Every op returns a new Tensor; views are not shared (reshape copies nothing only when it can reuse `data`).
 */
import { type DType, type TypedArray, dtypeOf } from './dtype.js';
import { type Shape, numel, fmtShape } from './shape.js';
import { ShapeError } from './errors.js';
import { MIN_ELEMENTS, giveBuffer, noteTensorBuffer } from './buffer-pool.js';

/** The backward half of an op, recorded on the op's output (see autograd/record.ts). */
export interface GradFn {
  readonly name: string;
  /** The op's tensor inputs, in order; null where the op took no tensor (e.g. an absent bias). */
  readonly inputs: readonly (Tensor | null)[];
  /** The tensors whose data backward reads (PyTorch's saved tensors); undefined: the inputs and the output. */
  readonly saved?: readonly (Tensor | null)[];
  /** Given dL/dout, return dL/dinput for every input (null where not needed); null once the graph is freed. */
  backward: ((gy: Tensor, needs: readonly boolean[], recycling?: boolean) => (Tensor | null)[]) | null;
}

/** Tensors made so far: each tensor's `id` is its creation number (the engine tells old tensors from new by it). */
let created = 0;

/** Tensors big enough to recycle made inside the innermost open tidy() scope (null outside any). */
let scope: Tensor[] | null = null;

/** Open a collection scope (tidy's), returning the one it replaces; see autograd/tidy.ts. */
export function swapTensorScope(next: Tensor[] | null): Tensor[] | null {
  const prev = scope;
  scope = next;
  return prev;
}

/** The id the next tensor will get. */
export function nextTensorId(): number {
  return created;
}

export class Tensor {
  /** Creation number, increasing: tensors made later have larger ids. */
  readonly id = created++;
  readonly shape: Shape;
  /** Number of elements, from the shape: a released tensor still has one, as the graph needs it. */
  readonly size: number;
  readonly dtype: DType;
  /** The numbers; null once released (see buffer-pool.ts): then `.data` throws. */
  private storage: TypedArray | null;
  /** True for leaves the user wants gradients of, and for every op output that depends on one. */
  requiresGrad = false;
  /** Accumulated dL/dthis after backward() (leaves only, as in PyTorch). */
  grad: Tensor | null = null;
  /** How this tensor was computed; null for leaves. */
  gradFn: GradFn | null = null;

  constructor(data: TypedArray, shape: Shape) {
    if (data.length !== numel(shape)) {
      throw new ShapeError('tensor', `data has ${data.length} elements but the shape needs ${numel(shape)}`, { shape });
    }
    this.storage = data;
    this.shape = Object.freeze([...shape]);
    this.size = data.length;
    this.dtype = dtypeOf(data);
    noteTensorBuffer(data);
    if (scope !== null && data.length >= MIN_ELEMENTS) scope.push(this);
  }

  /** The elements, row-major. Throws if the tensor was released (its buffer went back to the buffer pool). */
  get data(): TypedArray {
    const d = this.storage;
    if (d === null) {
      throw new ShapeError('tensor', 'its data was released: it was an intermediate of a backward({ recycle: true }) or was created inside tidy() and not returned', {
        tensor: this.shape,
      });
    }
    return d;
  }

  /** True once the tensor's buffer was released to the buffer pool. */
  get isReleased(): boolean {
    return this.storage === null;
  }

  /**
   * Give this tensor's buffer to the buffer pool (when it is recyclable, see buffer-pool.ts) and make the tensor
   * unreadable. For code that knows nothing reads the tensor any more; the engine and tidy() call it.
   */
  release(): void {
    const d = this.storage;
    if (d === null) return;
    this.storage = null;
    giveBuffer(d);
  }

  /** Swap in new data of the same shape (Module.to converting dtype keeps each Tensor object). */
  replaceData(data: TypedArray): void {
    if (data.length !== numel(this.shape)) {
      throw new ShapeError('tensor', `replacement data has ${data.length} elements but the shape needs ${numel(this.shape)}`, { shape: this.shape });
    }
    this.storage = data;
    (this as { dtype: DType }).dtype = dtypeOf(data);
    noteTensorBuffer(data);
  }

  get ndim(): number {
    return this.shape.length;
  }

  numel(): number {
    return this.size;
  }

  /** A leaf with requiresGrad = true (PyTorch's requires_grad_()). Returns this. */
  requiresGrad_(flag = true): this {
    if (this.gradFn) throw new ShapeError('requiresGrad_', 'can only be set on leaf tensors', { tensor: this.shape });
    if (flag && this.dtype === 'int32') {
      throw new ShapeError('requiresGrad_', 'only float tensors can require gradients, got int32', { tensor: this.shape });
    }
    this.requiresGrad = flag;
    return this;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError('item', `only one-element tensors can be converted to a number, got ${this.data.length} elements`, {
        tensor: this.shape,
      });
    }
    return this.data[0];
  }

  /** Nested arrays, as torch's tolist(). */
  tolist(): unknown {
    const shape = this.shape;
    const data = this.data;
    if (shape.length === 0) return data[0];
    const build = (dim: number, offset: number): unknown[] => {
      const n = shape[dim];
      const stride = numel(shape.slice(dim + 1));
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(dim === shape.length - 1 ? data[offset + i] : build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  toString(): string {
    const head = Array.from(this.data.subarray(0, 8), (v) => Number(v.toPrecision(5)));
    const more = this.data.length > 8 ? ', ...' : '';
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}) [${head.join(', ')}${more}]`;
  }
}
