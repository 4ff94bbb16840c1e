/**
 * Tensor buffers in the shared wasm heap. On the wasm backend (and the js backend with worker threads), new float32
 * buffers big enough for the buffer pool
 * (src/tensor/buffer-pool.ts) are views of the shared heap instead of fresh JS arrays, so every kernel — wasm or
 * pooled js, on any thread — reads and writes them in place: no copy into the staging area and back.
 *
 * Only once the program manages lifetimes (its first backward({ recycle }) or tidy(), see buffer-pool.ts): before
 * that, new buffers are plain arrays, as a program that only drops tensors needs.
 *
 * Lifetime: a view's region is handed back to the heap when the view is garbage-collected (FinalizationRegistry).
 * While a tensor is released through backward({ recycle }) or tidy(), the buffer pool keeps the view itself and
 * hands it out again, so no collection is needed in a training loop. Views never outlive their region: nothing in
 * the library keeps a subarray of a tensor's data beyond a kernel call.
 *
 * Tensors stop coming from the heap past TENSOR_LIMIT bytes of it (they are plain arrays then, copied in and out
 * as before), leaving the rest of the 4 GiB wasm32 address space to staging and scratch.
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { type FreshBufferSource, returnSourcedBuffers } from '../../tensor/buffer-pool.js';
import type { SharedHeap } from './heap.js';
import { dispatches } from './thread-role.js';

const TENSOR_LIMIT = 3 * 1024 ** 3;

/** The source runtime.ts installs: `heap()` is the process's shared heap, `active()` whether the backend is wasm. */
export function heapTensorBuffers(heap: () => SharedHeap, active: () => boolean): FreshBufferSource {
  const views = new WeakSet<TypedArray>();
  const reclaim = new FinalizationRegistry<[number, number]>(([at, bytes]) => heap().freeRegion(at, bytes));
  const serves = (dtype: DType): boolean => dtype === 'float32' && active() && dispatches();
  return {
    serves,
    owns: (a) => views.has(a),
    usedBytes: () => heap().usage().touchedBytes,
    prepare() {
      if (serves('float32')) heap(); // the heap's first use starts the workers and compiles the kernels (runtime.ts)
    },
    give(a) {
      // from the buffer pool, which held the view since its tensor was released: nothing else reads it
      if (!views.delete(a) || !reclaim.unregister(a)) return;
      heap().freeRegion(a.byteOffset, a.byteLength);
    },
    take(dtype, n, zero) {
      if (!serves(dtype)) return undefined;
      const h = heap(), bytes = 4 * n;
      h.onPressure ??= returnSourcedBuffers; // before the heap grows, the pool's views go back to it
      const at = h.allocRegion(bytes, TENSOR_LIMIT);
      if (at === 0) return undefined;
      const view = new Float32Array(h.f32.buffer, at, n);
      if (zero) view.fill(0); // a reused region holds its last contents
      views.add(view);
      reclaim.register(view, [at, bytes], view);
      return view;
    },
  };
}
