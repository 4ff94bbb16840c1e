/** The in-memory form every dataset is turned into, and the seeded train/validation split. */
import { Generator } from '../tensor/rng.js';
import { DataError } from './errors.js';

/** One image with its label mask. */
export interface Sample {
  /** Where it came from: a file path, "vol.nii.gz#z=12", or "synthetic/17". */
  name: string;
  channels: number;
  height: number;
  width: number;
  /** CHW planes, values in [0, 1] (before normalisation). */
  image: Float32Array;
  /** H x W class ids; 255 = ignore. */
  mask: Int32Array;
}

export type MaskMode = 'binary' | 'index';

/** A dataset ready for training: the two splits plus what the model needs to know. */
export interface DataSplit {
  train: Sample[];
  val: Sample[];
  channels: number;
  numClasses: number;
  /** A short human description ("folder data/drive (16 train, 4 val)"). */
  description: string;
}

export const IGNORE_INDEX = 255;

/**
 * Seeded split: shuffle (Fisher-Yates with Generator(seed)) and take round(n * valFraction) samples, at least 1 and at
 * most n - 1, for validation. The order inside each split follows the original (sorted) order.
 */
export function splitSamples(samples: Sample[], valFraction: number, seed: number, where: string): { train: Sample[]; val: Sample[] } {
  if (samples.length < 2) {
    throw new DataError(where, `${samples.length} image(s) cannot be split into training and validation; add more images or a val/ folder`);
  }
  const g = new Generator(seed);
  const order = samples.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nVal = Math.min(samples.length - 1, Math.max(1, Math.round(samples.length * valFraction)));
  const isVal = new Set(order.slice(0, nVal));
  return { train: samples.filter((_, i) => !isVal.has(i)), val: samples.filter((_, i) => isVal.has(i)) };
}
