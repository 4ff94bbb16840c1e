/** Loading the PyTorch 2.13 reference fixtures (copied from ../shared/golden into tests/golden; see its README). */
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { readdirSync } from 'node:fs';
import { loadSafetensors, type SafetensorsFile } from '../src/io/safetensors.js';
import type { Tensor } from '../src/tensor/tensor.js';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');

export interface Golden extends SafetensorsFile {
  /** Attribute values: JSON-parsed where they parse, plain strings otherwise (the README's reading rule). */
  attrs: Record<string, unknown>;
  get(name: string): Tensor;
}

export function loadGolden(relPath: string): Golden {
  const f = loadSafetensors(join(GOLDEN_DIR, relPath));
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f.metadata)) {
    try {
      attrs[k] = JSON.parse(v);
    } catch {
      attrs[k] = v;
    }
  }
  return {
    ...f,
    attrs,
    get(name: string): Tensor {
      const t = f.tensors.get(name);
      if (!t) throw new Error(`golden ${relPath}: no tensor '${name}' (has ${[...f.tensors.keys()].join(', ')})`);
      return t;
    },
  };
}

export function goldenFiles(sub: 'ops' | 'ops-extra' | 'model'): string[] {
  return readdirSync(join(GOLDEN_DIR, sub)).filter((f) => f.endsWith('.safetensors')).sort();
}

