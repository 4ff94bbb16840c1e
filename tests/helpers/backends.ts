/** Running the same work on the wasm and the js backend, to compare their bits. */
import { tidy, sum, mul, type Tensor } from '../../src/index.js';
import { getBackend, setBackend } from '../../src/backend/index.js';

/** fn's result on each backend, inside a tidy (so big float32 tensors are heap views on wasm); the backend is restored. */
export function onBothBackends<T>(fn: () => T): { wasm: T; js: T } {
  const before = getBackend();
  const run = (backend: 'js' | 'wasm'): T => {
    setBackend(backend);
    try {
      return tidy(fn);
    } finally {
      setBackend(before);
    }
  };
  return { wasm: run('wasm'), js: run('js') };
}

/**
 * y = op(x, w, b), then the backward of Σ y·gy: the values of y and of the three gradients, as plain number arrays
 * (for the bit-for-bit comparison of the two backends). x, w, b must require grad.
 */
export function forwardBackwardBits(op: (x: Tensor, w: Tensor, b: Tensor) => Tensor, x: Tensor, w: Tensor, b: Tensor, gy: Tensor): number[][] {
  const y = op(x, w, b);
  sum(mul(y, gy)).backward();
  return [y, x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.data));
}
