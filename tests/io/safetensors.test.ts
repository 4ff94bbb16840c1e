import { describe, expect, test } from 'vitest';
import { goldenFiles, loadGolden } from '../golden.js';
import { parseSafetensors, serializeSafetensors, tensor } from '../../src/index.js';

describe('safetensors', () => {
  test('every golden file parses and carries its metadata', () => {
    for (const sub of ['ops', 'model'] as const) {
      for (const f of goldenFiles(sub)) {
        const g = loadGolden(`${sub}/${f}`);
        expect(g.attrs.torch_version, f).toMatch(/^2\.13/);
        expect(g.tensors.size, f).toBeGreaterThan(0);
      }
    }
  });

  test('round trip keeps bits, order, dtypes and metadata', () => {
    const a = tensor([1.5, -2.25, 3e-8], [3], { dtype: 'float32' });
    const b = tensor([Math.PI, Math.E], [2, 1], { dtype: 'float64' });
    const c = tensor([7], [], { dtype: 'int32' });
    const bytes = serializeSafetensors([['a', a], ['b', b], ['n', c]], { metadata: { k: 'v' } });
    const f = parseSafetensors(bytes);
    expect([...f.tensors.keys()]).toEqual(['a', 'b', 'n']);
    expect(Array.from(f.tensors.get('a')!.data)).toEqual(Array.from(a.data));
    expect(Array.from(f.tensors.get('b')!.data)).toEqual(Array.from(b.data));
    expect(f.tensors.get('n')!.shape).toEqual([]);
    expect(f.dtypes.get('n')).toBe('I64');
    expect(f.metadata).toEqual({ k: 'v' });
  });

  test('malformed files give clear errors', () => {
    const good = serializeSafetensors([['w', tensor([1, 2, 3, 4], [4])]]);
    expect(() => parseSafetensors(good.subarray(0, 4), 'x.safetensors')).toThrow('x.safetensors: file is 4 bytes, too short');
    expect(() => parseSafetensors(good.subarray(0, good.length - 4), 'x.safetensors')).toThrow(/x.safetensors: tensor 'w': data_offsets \[0, 16\] run past the end/);
    const bad = Uint8Array.from(good);
    bad[8] = 0x7a; // break the JSON
    expect(() => parseSafetensors(bad, 'x.safetensors')).toThrow('x.safetensors: header is not valid JSON');
    const huge = Uint8Array.from(good);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => parseSafetensors(huge, 'x.safetensors')).toThrow(/header length 1099511627776 does not fit/);
  });
});
