/** Turns loaded image/mask pairs into a checked DataSplit (shared by the folder and NIfTI loaders). */
import { DataError } from './errors.js';
import { type RawMask, toClassIds, inferClassCount, checkClassIds } from './mask.js';
import { type DataSplit, type MaskMode, type Sample, splitSamples } from './sample.js';

export interface RawSample {
  name: string;
  channels: number;
  height: number;
  width: number;
  image: Float32Array;
  mask: RawMask;
}

export interface AssembleOptions {
  maskMode?: MaskMode;
  /** Number of classes (index mode); inferred from the masks when absent. */
  classes?: number;
  valFraction?: number;
  seed?: number;
}

/** Check channel counts and mask values, convert masks to class ids, and split when no validation set is given. */
export function assembleSplit(train: RawSample[], val: RawSample[] | null, o: AssembleOptions, where: string, what: string): DataSplit {
  const all = val ? [...train, ...val] : train;
  const channels = checkChannels(all);
  const mode = o.maskMode ?? 'binary';
  const numClasses = mode === 'binary' ? 2 : (o.classes ?? inferClassCount(all.map((s) => s.mask)));
  const convert = (s: RawSample): Sample => {
    const ids = toClassIds(s.mask, mode);
    checkClassIds(s.mask, ids, numClasses, mode);
    return { name: s.name, channels: s.channels, height: s.height, width: s.width, image: s.image, mask: ids };
  };
  const trainS = train.map(convert);
  const valS = val ? val.map(convert) : null;
  const { train: tr, val: va } = valS ? { train: trainS, val: valS } : splitSamples(trainS, o.valFraction ?? 0.2, o.seed ?? 0, where);
  return { train: tr, val: va, channels, numClasses, description: `${what} (${tr.length} train, ${va.length} val, ${channels} channel${channels > 1 ? 's' : ''}, ${numClasses} classes)` };
}

export function checkChannels(samples: { name: string; channels: number }[]): number {
  const first = samples[0];
  for (const s of samples) {
    if (s.channels !== first.channels) {
      throw new DataError(s.name, `image has ${s.channels} channel(s) but ${first.name} has ${first.channels}; all images of a dataset need the same channel count`);
    }
  }
  return first.channels;
}
