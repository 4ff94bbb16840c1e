/** Helpers of the gradcheck tests: seeded float64 inputs, and the GradcheckError a check must throw. */
import { gradcheck, GradcheckError, randn, Generator, type Tensor } from '../../src/index.js';

export const f64 = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) });

/** The GradcheckError fn throws under gradcheck (fails the test if it passes). */
export function failure(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: Parameters<typeof gradcheck>[2] = {}): GradcheckError {
  try {
    gradcheck(fn, inputs, options);
  } catch (e) {
    if (e instanceof GradcheckError) return e;
    throw e;
  }
  throw new Error('gradcheck passed a wrong backward');
}
