/**
 * The record of a checkpoint's data split ("amsunet.data_split" metadata, see data-split.ts), built from data in
 * memory: platform-neutral, so a model trained in a browser tab records its split as `amsunet train` does.
 */
import type { DataSource } from '../data/load.js';
import type { DataSplit, Sample } from '../data/sample.js';

export const SPLIT_KEY = 'amsunet.data_split';

export interface DataSplitRecord {
  /** The DataSource of training, paths absolute (no `data`: the synthetic set). */
  source: DataSource;
  train: { count: number; names: string[] };
  val: { count: number; names: string[] };
  /** Fingerprints (16 hex digits) of the training images' pixels. */
  trainPrints: string[];
}

/** FNV-1a over the image's float bytes, twice with different offsets: 64 bits as 16 hex digits. */
export function imagePrint(s: Pick<Sample, 'image' | 'channels' | 'height' | 'width'>): string {
  const bytes = new Uint8Array(s.image.buffer, s.image.byteOffset, s.image.byteLength);
  let a = 0x811c9dc5 ^ s.channels, b = 0x01000193 ^ (s.height * 65599 + s.width);
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export function splitRecord(source: DataSource, data: DataSplit): DataSplitRecord {
  return {
    source,
    train: { count: data.train.length, names: data.train.map((s) => s.name) },
    val: { count: data.val.length, names: data.val.map((s) => s.name) },
    trainPrints: data.train.map(imagePrint),
  };
}

export function splitMetadata(r: DataSplitRecord): Record<string, string> {
  return { [SPLIT_KEY]: JSON.stringify(r) };
}
