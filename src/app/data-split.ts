/**
 * The data split a checkpoint was trained with, stored in its metadata ("amsunet.data_split") so that `eval` can
 * score the held-out images and warn when it scores images the model trained on.
 *
 * The record holds the data source as given to training (paths made absolute; for a folder or NIfTI dataset with a
 * seeded split also the seed and the validation fraction), which images went where, and a 64-bit fingerprint of
 * every training image's pixels. The fingerprints catch training images under any path or file name.
 */
import { resolve } from 'node:path';
import type { DataSource } from '../data/load.js';
import { DataError } from '../data/errors.js';
import { SPLIT_KEY, type DataSplitRecord } from './data-split-record.js';

export { SPLIT_KEY, imagePrint, splitRecord, splitMetadata, type DataSplitRecord } from './data-split-record.js';

/** The part of a training config that says which data it read (every DataSource field given, whatever it is). */
export function dataSourceOf(cfg: DataSource & Record<string, unknown>, keys: readonly string[]): DataSource {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (cfg[k] !== undefined) out[k] = cfg[k];
  for (const k of ['data', 'masks'] as const) if (typeof out[k] === 'string') out[k] = resolve(out[k] as string);
  return out as DataSource;
}

/** The record of a checkpoint's metadata, or null when it has none (older checkpoints, PyTorch weights). */
export function splitFromMetadata(meta: Record<string, string>, path: string): DataSplitRecord | null {
  const raw = meta[SPLIT_KEY];
  if (raw === undefined) return null;
  let r: unknown;
  try {
    r = JSON.parse(raw);
  } catch {
    throw new DataError(path, `the '${SPLIT_KEY}' metadata is not valid JSON`);
  }
  const o = r as Partial<DataSplitRecord>;
  const names = (x: unknown) => typeof x === 'object' && x !== null && Array.isArray((x as { names?: unknown }).names);
  if (typeof o !== 'object' || o === null || typeof o.source !== 'object' || !names(o.train) || !names(o.val) || !Array.isArray(o.trainPrints)) {
    throw new DataError(path, `the '${SPLIT_KEY}' metadata is malformed (expected source, train, val and trainPrints)`);
  }
  return o as DataSplitRecord;
}

/** Do two sources name the same data (same folder or volumes, same synthetic set)? */
export function sameSource(a: DataSource, b: DataSource): boolean {
  const abs = (p?: string) => (p === undefined ? undefined : resolve(p));
  if (abs(a.data) !== abs(b.data) || abs(a.masks) !== abs(b.masks)) return false;
  if (a.data === undefined) return (a.syntheticCount ?? 80) === (b.syntheticCount ?? 80) && (a.channels ?? 1) === (b.channels ?? 1);
  return true;
}
