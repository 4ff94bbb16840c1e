/** `new AMSUnet()` and `amsunet info` describe the same model by default: 3 input channels (RGB, as the paper), 2 classes, baseC 32. */
import { expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AMSUnet } from '../../src/index.js';

test('new AMSUnet() defaults agree with `amsunet info` defaults', () => {
  const r = spawnSync(process.execPath, [join(process.cwd(), 'dist/src/cli/main.js'), 'info', '--size', '16x16', '--json'], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout);
  const m = new AMSUnet();
  expect({ model: info.model, inChannels: info.inChannels, numClasses: info.numClasses, baseC: info.baseC, params: info.params })
    .toEqual({ model: 'amsunet', inChannels: m.inChannels, numClasses: m.numClasses, baseC: m.baseC, params: m.numParameters() });
  expect(m.inChannels).toBe(3);
});
