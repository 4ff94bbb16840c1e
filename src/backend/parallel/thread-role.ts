/**
 * Which thread this is, as the kernels need to know it: a pool worker runs the chunks it is given and must never
 * dispatch work to the pool itself (it would wait on itself) nor take tensor buffers from the heap. Every other
 * thread (the main thread, or a worker that hosts the whole engine, such as the off-thread segmenter) dispatches.
 */
let poolWorker = false;

/** Called once by the pool worker loop before it starts. */
export function enterPoolWorker(): void {
  poolWorker = true;
}

/** Whether kernels called here may dispatch to the pool (false inside a pool worker). */
export function dispatches(): boolean {
  return !poolWorker;
}
