/**
 * checkFloat32's default backends on a runtime whose WebAssembly lacks shared memory (a browser page that is not
 * cross-origin isolated): js only. wasmFeatures is mocked; the rest of the backend module is the real one.
 */
import { expect, test, vi } from 'vitest';
import { checkFloat32, mul, randn, Generator } from '../../src/index.js';

vi.mock(import('../../src/backend/index.js'), async (importOriginal) => {
  const real = await importOriginal();
  return { ...real, wasmFeatures: () => ({ ...real.wasmFeatures(), simd: true, sharedMemory: false }) };
});

test('without shared memory the default backends are js alone', () => {
  const x = randn([2, 3], { dtype: 'float64', generator: new Generator(1) });
  expect(checkFloat32((t) => mul(t, 2), [x], { threads: [1] }).runs).toEqual([{ backend: 'js', threads: 1 }]);
});
