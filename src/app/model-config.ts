/**
 * What a checkpoint must carry so that eval and predict need no flags: the architecture, the class count, the
 * training size and the normalisation. Stored as JSON under the safetensors metadata key "amsunet.config".
 */
import { AMSUnet } from '../models/amsunet/amsunet.js';
import { UNet } from '../models/unet/unet.js';
import type { Module } from '../nn/module.js';
import { Generator } from '../tensor/rng.js';
import type { MaskMode } from '../data/sample.js';
import { DataError } from '../data/errors.js';

export type ModelName = 'amsunet' | 'unet';

export interface ModelConfig {
  model: ModelName;
  inChannels: number;
  numClasses: number;
  baseC: number;
  /** Training crop side; inference tiles larger images with windows of this size. */
  size: number;
  mean: number[];
  std: number[];
  maskMode: MaskMode;
}

export const CONFIG_KEY = 'amsunet.config';

export function buildModel(c: Pick<ModelConfig, 'model' | 'inChannels' | 'numClasses' | 'baseC'>, seed = 0): Module {
  const generator = new Generator(seed);
  const o = { inChannels: c.inChannels, numClasses: c.numClasses, baseC: c.baseC, generator };
  return c.model === 'unet' ? new UNet(o) : new AMSUnet(o);
}

export function configMetadata(c: ModelConfig): Record<string, string> {
  return { [CONFIG_KEY]: JSON.stringify(c), format: 'pt' };
}

/** Limits shared with the command-line flags: larger values are refused before anything is allocated. */
export const LIMITS = { baseC: [4, 1024], inChannels: [1, 64], numClasses: [1, 255], size: [16, 16384] } as const;

/**
 * Parse and check the config of a checkpoint's metadata; null when the file has none (e.g. weights saved by
 * PyTorch). Anything malformed is a DataError naming the file and the field.
 */
export function configFromMetadata(meta: Record<string, string>, path: string): ModelConfig | null {
  const raw = meta[CONFIG_KEY];
  if (raw === undefined) return null;
  const bad = (what: string) => new DataError(path, `the '${CONFIG_KEY}' metadata ${what}`);
  let c: unknown;
  try {
    c = JSON.parse(raw);
  } catch {
    throw bad('is not valid JSON');
  }
  return checkModelConfig(c, bad);
}

/** Check a stored ModelConfig field by field; `bad(problem)` makes the error to throw ("has no numClasses"). */
export function checkModelConfig(c: unknown, bad: (problem: string) => Error): ModelConfig {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw bad('is not a JSON object');
  const o = c as Record<string, unknown>;
  if (o.model === undefined) throw bad('has no model');
  if (o.model !== 'amsunet' && o.model !== 'unet') throw bad(`names an unknown model ${shown(o.model)} (expected amsunet or unet)`);
  for (const key of ['baseC', 'inChannels', 'numClasses', 'size'] as const) {
    const [lo, hi] = LIMITS[key];
    const v = o[key];
    if (v === undefined) throw bad(`has no ${key}`);
    if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) throw bad(`has ${key} ${shown(v)} (expected an integer from ${lo} to ${hi})`);
  }
  if (o.maskMode === undefined) throw bad('has no maskMode');
  if (o.maskMode !== 'binary' && o.maskMode !== 'index') throw bad(`has maskMode ${shown(o.maskMode)} (expected binary or index)`);
  for (const key of ['mean', 'std'] as const) {
    const v = o[key];
    const ok = Array.isArray(v) && v.length === o.inChannels && v.every((x) => typeof x === 'number' && Number.isFinite(x) && (key === 'mean' || x > 0));
    if (!ok) throw bad(`has a malformed ${key} (expected ${o.inChannels as number} finite numbers${key === 'std' ? ' > 0' : ''})`);
  }
  return o as unknown as ModelConfig;
}

/** A stored value as shown in a message: JSON, cut short. */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
