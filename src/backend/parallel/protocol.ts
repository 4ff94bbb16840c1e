/**
 * The pool's shared-memory protocol, apart from the pool so that a worker entry can report a failed start
 * without loading anything else: the control block's slots, the JOIN tagging, and the error block (one line of
 * ERROR_LINE bytes per worker slot).
 */

/** Control block slots (Int32Array indices). */
export const CTRL = {
  GEN: 0, DONE: 1, KERNEL: 2, THREADS: 3, TOTAL: 4, ALIGN: 5, STOP: 6, READY: 7, ERROR: 8, CHUNKS: 9, NEXT: 10, JOIN: 11, FAILED: 12,
} as const;
/**
 * JOIN is `tag(gen) · JOIN_SLOT + workers joined` while task `gen` is open, JOIN_CLOSED once the main thread has
 * run out of chunks: a worker that wakes too late finds it closed (or tagged with another task) and skips the
 * task, so the main thread waits only for the workers that actually joined, never for one still waking up.
 */
export const JOIN_SLOT = 256;
export const JOIN_CLOSED = -1;
export const joinTag = (gen: number): number => (gen & 0x7fffff) * JOIN_SLOT;
/** Bytes of one worker's line in the shared error block: a length (int32), then UTF-8 text. */
export const ERROR_LINE = 1024;

/** Write a worker's failure into its line of the error block (truncated to fit). */
export function writeWorkerError(errors: SharedArrayBuffer, slot: number, message: string): void {
  const text = new TextEncoder().encode(message).subarray(0, ERROR_LINE - 4);
  new Uint8Array(errors, slot * ERROR_LINE + 4, text.length).set(text);
  new Int32Array(errors, slot * ERROR_LINE, 1)[0] = text.length;
}

/**
 * A worker that failed to start (its code could not load): write why, count it in CTRL.FAILED and wake the main
 * thread, which is waiting for workers to become ready and reports this message instead of timing out.
 */
export function reportStartFailure(ctrl: SharedArrayBuffer, errors: SharedArrayBuffer, slot: number, e: unknown): void {
  writeWorkerError(errors, slot, `worker ${slot} could not start: ${e instanceof Error ? e.message : String(e)}`);
  const c = new Int32Array(ctrl);
  Atomics.add(c, CTRL.FAILED, 1);
  Atomics.add(c, CTRL.READY, 1);
  Atomics.notify(c, CTRL.READY);
}
