/**
 * fast-check with every fc.assert's numRuns scaled by STRYKER_FC_RUNS_SCALE (default 1, at least 3 runs), for the
 * Stryker conv runs only (vitest.stryker-conv.config.ts aliases 'fast-check' to this file); `npm test` never sees it.
 * Fewer runs per property make a surviving mutant cheaper to run; the survivors are then re-checked at full strength.
 */
import * as real from 'fast-check-unscaled';

export * from 'fast-check-unscaled';

const scale = Number(process.env.STRYKER_FC_RUNS_SCALE ?? '1');

export function assert(property, params) {
  const numRuns = Math.max(3, Math.ceil((params?.numRuns ?? 100) * scale));
  return real.assert(property, { ...params, numRuns });
}

export default { ...real.default, assert };
