import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const fastCheck = join(dirname(createRequire(import.meta.url).resolve('fast-check/package.json')), 'lib/fast-check.js');

/**
 * The test files StrykerJS runs against mutants of the conv kernels (stryker.conv.config.json): the kernel
 * property tests (GEMM, depth-wise and reference kernels against each other, adjoint identities), the conv2d /
 * convTranspose2d op tests (naive definition, float64 gradcheck over random geometry) and the depth-wise weight
 * gradient suite. Left out: the float32 wasm dispatch suite (14 s; it tests the WebAssembly twins) and the pooled
 * kernels (they need the worker files of `npm run build`, which the sandbox does not have).
 * STRYKER_FC_RUNS_SCALE=0.25 runs every property a quarter as often (tests/stryker/fast-check-scaled.mjs).
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^fast-check$/, replacement: resolve(import.meta.dirname, 'tests/stryker/fast-check-scaled.mjs') },
      { find: /^fast-check-unscaled$/, replacement: fastCheck },
    ],
  },
  test: {
    include: [
      'tests/kernels/conv2d*.test.ts',
      'tests/ops/conv2d.test.ts',
      'tests/ops/conv-transpose2d.test.ts',
      'tests/backend/depthwise-weight.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
