/** sum moved to reduce.ts with the other reductions; this path stays importable for existing callers. */
export { sum, reduceAxes, reducedShapes, type ReduceOptions } from './reduce.js';
