/** The README's "Verify your own convolution" example (examples/verify-conv.ts), run from its build as npm test builds it. */
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('amsunet-ts/testing: the README example (examples/verify-conv.ts, built by npm test)', () => {
  test('the hand-written conv with dilation forgotten in gw fails adjointness on a 1x2 kernel dilated [1, 2]', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/examples/verify-conv.js')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('conv2d: adjointness, dilation, groups, strip, gradcheck hold');
    expect(lines[1]).toMatch(/^verifyConv2d: property 'adjointness' failed after \d+ case\(s\), shrunk [1-9]\d* time\(s\)$/);
    expect(lines[2]).toContain('"kH":1,"kW":2,"H":1,"W":3');
    expect(lines[2]).toContain('"dilation":[1,2]');
    expect(lines[3]).toMatch(/^  error: ⟨A_w x, gy⟩ = ⟨w, gw⟩: /);
  });
});

