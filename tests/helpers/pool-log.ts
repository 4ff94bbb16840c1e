/** Run `body` with every pool run's kernel name recorded into the array it is given (the pool's run restored after). */
import { getPool } from '../../src/backend/index.js';

export function withPoolLog<T>(body: (kernels: string[]) => T): T {
  const pool = getPool(), run = pool.run.bind(pool), kernels: string[] = [];
  pool.run = (kernel, ...rest) => (kernels.push(kernel), run(kernel, ...rest));
  try {
    return body(kernels);
  } finally {
    pool.run = run;
  }
}
