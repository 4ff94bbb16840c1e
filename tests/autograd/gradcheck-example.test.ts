/** examples/custom-op.ts runs and its output names the wrong op, its input and the element (the README shows it). */
import { expect, test, vi } from 'vitest';

test('the custom-op example: gradcheck names buggySwish, its input and the index', async () => {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await import('../../examples/custom-op.js');
  } finally {
    spy.mockRestore();
  }
  const out = lines.join('\n');
  expect(out).toMatch(/^swish: gradcheck passed\ngradcheck conv2d: input 0 \(x\) at \[0, 0, 0, 0\]: numerical .*, analytical .* \(eps 1e-6, atol 1e-5, rtol 0\.001\)\n  culprit: 'buggySwish' \(node 1 of 3\) is wrong for input 0 \(features\) at \[\d, \d, \d, \d\]: numerical .*, analytical .*$/);
  console.log(out);
});
