import { defineConfig } from 'vitest/config';

/**
 * The test files `npm run mutate` (StrykerJS) runs against mutants of the gradient-critical files (stryker.config.json):
 * the conv, loss, autograd and gradcheck suites, not the CLI, model and benchmark ones, so a run finishes on two
 * shared cores. Left out, minutes per mutant: the whole-model suites (recycle, lifetimes: AMSUnet training steps;
 * uninit-outputs: AMSUnet on poisoned buffers); engine-lifetimes.test.ts covers the lifetimes on small Modules.
 */
export default defineConfig({
  test: {
    include: [
      'tests/autograd/gradcheck*.test.ts',
      'tests/autograd/custom-op-contract.test.ts',
      'tests/autograd/gradient-sums.test.ts',
      'tests/autograd/engine*.test.ts',
      'tests/ops/conv2d.test.ts',
      'tests/ops/conv-golden.test.ts',
      'tests/ops/conv-transpose2d.test.ts',
      'tests/ops/extra-golden.test.ts',
      'tests/kernels/conv2d*.test.ts',
      'tests/nn/losses.test.ts',
      'tests/kernels/losses.test.ts',
      'tests/testing/conv-kit.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
