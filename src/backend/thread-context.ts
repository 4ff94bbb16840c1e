/**
 * What a pooled kernel sees in whichever thread runs it: the shared heap, the thread's scratch slot, and
 * the wasm kernels instantiated over the heap's memory in this thread (compiled lazily, once per thread).
 */
import type { SharedHeap } from './heap.js';
import type { GemmExports } from './wasm/gemm-driver.js';
import type { GemmKernelShape } from './wasm/gemm-module.js';
import { defaultGemmShape, instantiateGemm } from './wasm/gemm-instance.js';

export class ThreadContext {
  private gemm: GemmExports | null = null;
  readonly gemmShape: GemmKernelShape;

  constructor(
    readonly heap: SharedHeap,
    /** index of this thread: 0 is the main thread, workers are 1.. */
    readonly slot: number,
    gemmShape?: GemmKernelShape,
  ) {
    this.gemmShape = gemmShape ?? defaultGemmShape();
  }

  /** Byte address of this thread's private scratch. */
  get scratch(): number {
    return this.heap.scratch(this.slot);
  }

  get wasmGemm(): GemmExports {
    this.gemm ??= instantiateGemm(this.heap.memory, this.gemmShape);
    return this.gemm;
  }
}
