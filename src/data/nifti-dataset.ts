/** A training set made of the non-empty 2-D slices of a NIfTI image volume and its mask volume. */
import { basename } from 'node:path';
import { readNifti, niftiSlices } from './nifti.js';
import { type RawSample, type AssembleOptions, assembleSplit } from './assemble.js';
import { type DataSplit } from './sample.js';
import { DataError } from './errors.js';

export interface NiftiDatasetOptions extends AssembleOptions {
  axis?: 0 | 1 | 2;
}

export function niftiRawSamples(imageFile: string, maskFile: string, axis: 0 | 1 | 2): RawSample[] {
  const image = readNifti(imageFile);
  const mask = readNifti(maskFile);
  const slices = niftiSlices(image, mask, axis);
  if (slices.length === 0) throw new DataError(maskFile, `every slice along axis ${axis} is empty (all zero); nothing to train on`);
  const axisName = 'xyz'[axis];
  return slices.map((s) => ({
    name: `${imageFile}#${axisName}=${s.index}`,
    channels: 1,
    height: s.height,
    width: s.width,
    image: s.image,
    mask: { file: `${maskFile} (slice ${axisName}=${s.index})`, width: s.width, values: s.mask },
  }));
}

export function loadNiftiDataset(imageFile: string, maskFile: string, o: NiftiDatasetOptions = {}): DataSplit {
  const axis = o.axis ?? 2;
  const raw = niftiRawSamples(imageFile, maskFile, axis);
  return assembleSplit(raw, null, o, imageFile, `NIfTI ${basename(imageFile)} axis ${axis}`);
}
