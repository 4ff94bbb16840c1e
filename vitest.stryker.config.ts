import { defineConfig } from 'vitest/config';

/**
 * The test files `npm run mutate` (StrykerJS) runs against mutants of the gradient-critical files (stryker.config.json):
 * the conv, loss and autograd suites, not the CLI, model and benchmark ones, so a run finishes on two shared cores.
 * The whole-model autograd suites (recycle, lifetimes: AMSUnet training steps) are left out: minutes per mutant.
 */
export default defineConfig({
  test: {
    include: [
      'tests/ops/conv2d.test.ts',
      'tests/ops/conv-golden.test.ts',
      'tests/ops/conv-transpose2d.test.ts',
      'tests/ops/extra-golden.test.ts',
      'tests/kernels/conv2d*.test.ts',
      'tests/nn/losses.test.ts',
      'tests/autograd/gradient-sums.test.ts',
      'tests/autograd/engine.test.ts',
      'tests/autograd/uninit-outputs.test.ts',
      'tests/testing/conv-kit.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
