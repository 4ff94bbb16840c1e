/**
 * What a checkpoint must carry so that eval and predict need no flags: the architecture, the class count, the
 * training size and the normalisation. Stored as JSON under the safetensors metadata key "amsunet.config".
 */
import { AMSUnet } from '../models/amsunet/amsunet.js';
import { UNet } from '../models/unet/unet.js';
import type { Module } from '../nn/module.js';
import { Generator } from '../tensor/rng.js';
import type { MaskMode } from '../data/sample.js';

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

/** Parse the config of a checkpoint's metadata; null when the file has none (e.g. weights saved by PyTorch). */
export function configFromMetadata(meta: Record<string, string>): ModelConfig | null {
  const raw = meta[CONFIG_KEY];
  if (!raw) return null;
  const c = JSON.parse(raw) as ModelConfig;
  return c;
}
