/**
 * How much a wasm kernel stages at once when an operand is not a view of the shared heap. Tensors past the heap's
 * tensor region (3 GB, parallel/tensor-buffers.ts) are plain arrays; a kernel copies them into staging areas, runs,
 * and copies the result out. Staged whole, one GELU backward on the 128-channel maps of a 2x3x480² train step put
 * 805 MB of staging on top of the full heap (every page of it then resident). Kernels whose work splits into
 * independent parts (element-wise: any range; depth-wise planes) stage at most this much per operand at a time,
 * the same copies and the same bits.
 */
let pieceBytes = 16 << 20;

/** How many work units of `unitBytes` each (an element, a plane, a block of channels) to stage at once: at least 1. */
export function unitsPerPiece(unitBytes: number): number {
  return Math.max(1, Math.floor(pieceBytes / Math.max(unitBytes, 1)));
}

/** For tests: a smaller piece, so that small arrays are staged in several pieces (returns the previous value). */
export function setStagePieceBytes(bytes: number): number {
  const old = pieceBytes;
  pieceBytes = bytes;
  return old;
}
