/**
 * What a pooled kernel sees in whichever thread runs it: the shared heap, the thread's scratch slot, and the
 * generated wasm modules instantiated over the heap's memory in this thread (each compiled lazily, once).
 */
import type { SharedHeap } from './heap.js';
import type { GemmExports } from '../wasm/gemm-driver.js';
import type { GemmKernelShape } from '../wasm/modules/gemm-module.js';
import { defaultGemmShape, instantiateGemm } from '../wasm/gemm-instance.js';
import { geluModuleBytes } from '../wasm/modules/gelu-module.js';
import { depthwiseModuleBytes } from '../wasm/modules/depthwise-module.js';
import { elementwiseModuleBytes } from '../wasm/modules/elementwise-module.js';
import { wasmApi } from '../wasm/api.js';

export interface GeluExports {
  gelu(src: number, dst: number, n: number): void;
  geluBackward(gy: number, x: number, gx: number, n: number): void;
}

export interface DepthwiseExports {
  plane(src: number, srcH: number, srcW: number, dst: number, dstH: number, dstW: number, pad: number, top: number,
    left: number, Hp: number, Wp: number, taps: number, wts: number, T: number, init: number): void;
}

/** wasm/elementwise-module.ts: `${op}_${form}` for op add/sub/mul/div and form vv/vs/sv, addN, bnApply. */
export type ElementwiseExports = Record<string, (...args: number[]) => void>;

export class ThreadContext {
  private gemm: GemmExports | null = null;
  private geluExports: GeluExports | null = null;
  private depthwiseExports: DepthwiseExports | null = null;
  private elementwiseExports: ElementwiseExports | null = null;
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

  get wasmGelu(): GeluExports {
    this.geluExports ??= this.instantiate(geluModuleBytes()) as unknown as GeluExports;
    return this.geluExports;
  }

  get wasmDepthwise(): DepthwiseExports {
    this.depthwiseExports ??= this.instantiate(depthwiseModuleBytes()) as unknown as DepthwiseExports;
    return this.depthwiseExports;
  }

  get wasmElementwise(): ElementwiseExports {
    this.elementwiseExports ??= this.instantiate(elementwiseModuleBytes()) as unknown as ElementwiseExports;
    return this.elementwiseExports;
  }

  /**
   * Instantiate every generated module now (a worker does this while it waits for its first task, so that task
   * does not pay it). Needs WebAssembly SIMD (wasmFeatures().simd).
   */
  warm(): void {
    void [this.wasmGemm, this.wasmGelu, this.wasmDepthwise, this.wasmElementwise];
  }

  private instantiate(bytes: Uint8Array): Record<string, unknown> {
    if (!wasmApi) throw new Error('wasm: this runtime has no WebAssembly');
    return new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory: this.heap.memory } }).exports;
  }
}
