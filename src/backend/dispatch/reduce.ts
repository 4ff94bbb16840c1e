/**
 * Which implementation runs the reductions (the loops are in src/kernels/reduce.ts):
 *   float input already in the shared heap, more than one thread, at least two chunks of work over two output rows
 *                  the loop over the pool by output rows (parallel/js-pooled.ts runReduceJs): each row reduced by the
 *                  loop alone, in its order, so the same bits
 *   otherwise      the loop, this thread (a reduction to one value, e.g. a full sum, has one row: always here)
 */
import { type TypedArray, isFloatArray } from '../../tensor/dtype.js';
import { type ReducePlan, reduceExtreme as extremeLoop, reduceSum as sumLoop } from '../../kernels/reduce.js';
import { runReduceJs } from '../parallel/js-pooled.js';


/** y = Σ x over the plan's reduced positions / divisor. */
export function reduceSum(y: TypedArray, x: TypedArray, plan: ReducePlan, divisor = 1): void {
  if (!(isFloatArray(y) && isFloatArray(x) && runReduceJs('sum', y, null, x, plan, divisor))) sumLoop(y, x, plan, divisor);
}

/** y = max (isMax) or min over the reduced positions, src = where each came from. */
export function reduceExtreme(y: TypedArray, src: Int32Array, x: TypedArray, plan: ReducePlan, isMax: boolean): void {
  if (!(isFloatArray(y) && isFloatArray(x) && runReduceJs(isMax ? 'max' : 'min', y, src, x, plan))) extremeLoop(y, src, x, plan, isMax);
}
