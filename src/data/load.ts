/**
 * One entry point for every data source the commands accept:
 *   no --data                    → the synthetic set
 *   --data image.nii[.gz] --masks mask.nii[.gz] → NIfTI slices along --axis
 *   --data FOLDER                → a folder dataset of PNG, TIFF, GIF or JPEG files, in the --layout given (layout.ts)
 */
import { statSync } from 'node:fs';
import { DataError } from './errors.js';
import { loadFolderDataset, loadEvalFolder } from './folder.js';
import { loadNiftiDataset, niftiRawSamples } from './nifti-dataset.js';
import { loadSyntheticDataset } from './synthetic.js';
import { toClassIds, checkClassIds } from './mask.js';
import { checkChannels } from './assemble.js';
import type { DataSplit, MaskMode, Sample } from './sample.js';
import type { Layout } from './layout.js';

export interface DataSource {
  data?: string;
  masks?: string;
  axis?: 0 | 1 | 2;
  maskMode?: MaskMode;
  classes?: number;
  valFraction?: number;
  seed?: number;
  syntheticCount?: number;
  syntheticSize?: number;
  channels?: 1 | 3;
  /** How a dataset folder is laid out (layout.ts); default auto. */
  layout?: Layout;
}

export const isNiftiPath = (p: string) => /\.nii(\.gz)?$/i.test(p);

export function loadTrainingData(s: DataSource): DataSplit {
  if (!s.data) {
    return loadSyntheticDataset({ count: s.syntheticCount, size: s.syntheticSize, channels: s.channels, seed: s.seed, valFraction: s.valFraction });
  }
  if (isNiftiPath(s.data) || (s.masks && isNiftiPath(s.masks))) {
    if (!s.masks) throw new DataError(s.data, 'a NIfTI image volume needs its mask volume: add --masks MASK.nii.gz');
    return loadNiftiDataset(s.data, s.masks, { axis: s.axis, maskMode: s.maskMode, classes: s.classes, valFraction: s.valFraction, seed: s.seed });
  }
  if (s.masks) throw new DataError(s.masks, '--masks is only used with a NIfTI image volume (--data image.nii.gz)');
  return loadFolderDataset(s.data, { maskMode: s.maskMode, classes: s.classes, valFraction: s.valFraction, seed: s.seed, layout: s.layout });
}

/** Labelled images for evaluation; `numClasses` comes from the checkpoint. */
export function loadEvaluationData(s: DataSource, numClasses: number): { samples: Sample[]; channels: number; description: string } {
  const mode = s.maskMode ?? 'binary';
  if (!s.data) {
    const d = loadSyntheticDataset({ count: s.syntheticCount, size: s.syntheticSize, channels: s.channels, seed: s.seed, valFraction: s.valFraction });
    return { samples: d.val, channels: d.channels, description: `${d.description}: the validation part` };
  }
  if (isNiftiPath(s.data)) {
    if (!s.masks) throw new DataError(s.data, 'a NIfTI image volume needs its mask volume: add --masks MASK.nii.gz');
    const raw = niftiRawSamples(s.data, s.masks, s.axis ?? 2);
    const channels = checkChannels(raw);
    const samples = raw.map((r) => {
      const ids = toClassIds(r.mask, mode);
      checkClassIds(r.mask, ids, numClasses, mode);
      return { name: r.name, channels: r.channels, height: r.height, width: r.width, image: r.image, mask: ids };
    });
    return { samples, channels, description: `NIfTI ${s.data} (${samples.length} non-empty slices)` };
  }
  try {
    statSync(s.data);
  } catch {
    throw new DataError(s.data, 'no such folder');
  }
  const e = loadEvalFolder(s.data, numClasses, mode, s.layout);
  return { samples: e.samples, channels: e.channels, description: `${e.description} (${e.samples.length} images)` };
}
