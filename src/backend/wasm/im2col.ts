/**
 * im2col on the wasm backend (the dense-conv forward, dispatch/conv2d.ts): image n's col matrix, in the shared heap,
 * filled by im2col's own loops (kernels/conv2d-gemm.ts) with each tap's rows copied by the wasm gatherRows
 * (modules/elementwise-module.ts): over the pool by input channels ('im2col.wasm' in elementwise-pooled.ts), or on
 * this thread. The same values as im2col's loops, and compiled code from a process's first call, where a JS loop
 * runs interpreted, in every thread, until V8 has compiled it.
 */
import type { ConvGeom } from '../../kernels/conv2d-common.js';
import { im2col } from '../../kernels/conv2d-gemm.js';
import { getHeap, getPool } from '../runtime.js';
import { wasmTapCopy } from './elementwise-pooled.js';

/**
 * Image n's im2col over the pool by input channels (each writes its own rows), into a col in the heap, when there
 * are threads and channels enough; x is staged when it is not in the heap (image n only). Returns false, having done
 * nothing, when the caller should run it on its own thread (im2colHere).
 */
export function im2colPooled(col: Float32Array, x: Float32Array, g: ConvGeom, n: number): boolean {
  const threads = Math.min(getPool().size, g.Cin);
  if (threads < 2 || !getHeap().contains(col)) return false;
  const heap = getHeap();
  heap.resetStaging();
  // image n only (staged when x is not in the heap: one image's copy per image, not the whole batch's), as image 0 of 1
  const image = g.Cin * g.H * g.W;
  const args = [4, col.byteOffset, heap.place(x, n * image, image), 0, 1, g.Cin, g.H, g.W, g.kH, g.kW,
    g.oH, g.oW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW];
  getPool().run('im2col.wasm', args, g.Cin, { threads, chunks: Math.min(g.Cin, 4 * threads) });
  return true;
}

/** Image n's im2col on this thread: the wasm tap copies when col and x are both in the heap, else im2col's loops. */
export function im2colHere(col: Float32Array, x: Float32Array, g: ConvGeom, n: number): void {
  const heap = getHeap();
  const copy = heap.contains(col) && heap.contains(x) ? wasmTapCopy(getPool().main, col.byteOffset, x.byteOffset, g.oW) : undefined;
  im2col(col, x, g, n, 0, g.Cin, copy);
}
