/**
 * Where a dataset folder keeps its images, masks and field-of-view masks, and how their file names pair up.
 *   folder  root/images/ + root/masks/ [+ root/fov/], or root/train/ and root/val/ holding those; pairs share a stem.
 *   drive   DRIVE as downloaded: root/training/ and root/test/, each with images/ (21_training.tif), 1st_manual/
 *           (21_manual1.gif) and mask/ (21_training_mask.gif, the field of view); pairs share the leading number.
 *           root may also be training/ or test/ itself.
 *   isic    ISIC 2018 Task 1 as downloaded: root/ISIC2018_Task1-2_Training_Input/ISIC_0000000.jpg and
 *           root/ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png, likewise _Validation_ and _Test_;
 *           the .txt files those folders ship (LICENSE, ATTRIBUTION) are skipped.
 *   auto    the first of folder, drive, isic whose folders are there.
 * Training uses the first set as train and the second (val/, test/ with 1st_manual/, _Validation_) as validation
 * when there is one; evaluation uses that second set when there is one, else everything.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, fsReason } from './errors.js';

export const LAYOUTS = ['auto', 'folder', 'drive', 'isic'] as const;
export type Layout = (typeof LAYOUTS)[number];

export type Role = 'image' | 'mask' | 'fov';

/** One labelled set of files. */
export interface PairSet {
  /** The folder the set is named by in messages and the split. */
  dir: string;
  images: string;
  masks: string;
  fov: string | null;
  /** The key a file stem is matched by (the stem itself in the plain layout). */
  key: (stem: string, role: Role) => string;
  /** Skip files that are not images (the ISIC folders ship LICENSE.txt and ATTRIBUTION.txt). */
  skipNonImages: boolean;
  layout: Exclude<Layout, 'auto'>;
}

export interface TrainSets {
  train: PairSet;
  val: PairSet | null;
}

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function requireDir(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new DataError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : fsReason(e));
  }
  if (!st.isDirectory()) throw new DataError(path, 'is a file, not a folder');
}

// ---- folder --------------------------------------------------------------------------------------------------
const plainSet = (dir: string): PairSet => ({
  dir, images: join(dir, 'images'), masks: join(dir, 'masks'), fov: isDir(join(dir, 'fov')) ? join(dir, 'fov') : null,
  key: (stem) => stem, skipNonImages: false, layout: 'folder',
});
const isPlain = (root: string) => ['images', 'masks', 'train', 'val'].some((d) => isDir(join(root, d)));

// ---- DRIVE ---------------------------------------------------------------------------------------------------
/** "21_training" → "21", "21_manual1" → "21", "21_training_mask" → "21", "01_test_mask" → "01". */
const driveKey = (stem: string) => stem.replace(/_(training|test)(_mask)?$|_manual\d$/i, '');
const isDriveSet = (dir: string) => isDir(join(dir, 'images')) && isDir(join(dir, '1st_manual'));
const driveSet = (dir: string): PairSet => ({
  dir, images: join(dir, 'images'), masks: join(dir, '1st_manual'), fov: isDir(join(dir, 'mask')) ? join(dir, 'mask') : null,
  key: driveKey, skipNonImages: false, layout: 'drive',
});
const isDrive = (root: string) => isDriveSet(root) || isDriveSet(join(root, 'training')) || isDriveSet(join(root, 'test'));

function driveTrain(root: string): TrainSets {
  if (isDriveSet(root)) return { train: driveSet(root), val: null };
  const training = join(root, 'training'), test = join(root, 'test');
  if (!isDriveSet(training)) throw new DataError(root, `the DRIVE layout needs ${join(training, 'images')} and ${join(training, '1st_manual')}`);
  return { train: driveSet(training), val: isDriveSet(test) ? driveSet(test) : null };
}

function driveEval(root: string): PairSet {
  if (isDriveSet(root)) return driveSet(root);
  if (isDriveSet(join(root, 'test'))) return driveSet(join(root, 'test'));
  if (isDir(join(root, 'test'))) throw new DataError(join(root, 'test'), 'has no 1st_manual/ folder of manual segmentations to score against');
  throw new DataError(root, 'the DRIVE layout needs test/images and test/1st_manual (or a folder holding images/ and 1st_manual/)');
}

// ---- ISIC 2018 -----------------------------------------------------------------------------------------------
type IsicSplit = 'Training' | 'Validation' | 'Test';

/** The Input and GroundTruth folders of root, by split. */
function isicFolders(root: string): Map<IsicSplit, { input: string; truth: string | null }> {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return new Map();
  }
  const out = new Map<IsicSplit, { input: string; truth: string | null }>();
  for (const n of names) {
    const m = /_(Training|Validation|Test)_Input$/i.exec(n);
    if (m && isDir(join(root, n))) out.set(cap(m[1]), { input: join(root, n), truth: null });
  }
  for (const n of names) {
    const m = /_(Training|Validation|Test)_GroundTruth$/i.exec(n);
    const e = m && out.get(cap(m[1]));
    if (e && !e.truth && isDir(join(root, n))) e.truth = join(root, n);
  }
  return out;
}
const cap = (s: string) => (s[0].toUpperCase() + s.slice(1).toLowerCase()) as IsicSplit;

const isicSet = (root: string, f: { input: string; truth: string | null }): PairSet => ({
  dir: root, images: f.input, masks: f.truth!, fov: null,
  key: (stem, role) => (role === 'mask' ? stem.replace(/_segmentation$/i, '') : stem), skipNonImages: true, layout: 'isic',
});
const isIsic = (root: string) => [...isicFolders(root).values()].some((f) => f.truth);

function isicTrain(root: string): TrainSets {
  const f = isicFolders(root);
  const tr = f.get('Training');
  if (!tr || !tr.truth) throw new DataError(root, 'the ISIC layout needs an …_Training_Input folder and its …_Training_GroundTruth folder');
  const va = f.get('Validation');
  return { train: isicSet(root, tr), val: va && va.truth ? isicSet(root, va) : null };
}

function isicEval(root: string): PairSet {
  const f = isicFolders(root);
  for (const split of ['Validation', 'Test', 'Training'] as const) {
    const e = f.get(split);
    if (e && e.truth) return isicSet(root, e);
  }
  throw new DataError(root, 'the ISIC layout needs an …_Input folder and its …_GroundTruth folder (Training, Validation or Test)');
}

// ---- choice ----------------------------------------------------------------------------------------------------
/** The layout `auto` stands for at root; an error when none fits. */
export function detectLayout(root: string): Exclude<Layout, 'auto'> {
  if (isPlain(root)) return 'folder';
  if (isDrive(root)) return 'drive';
  if (isIsic(root)) return 'isic';
  throw new DataError(root, 'expected images/ and masks/ folders, or train/ and val/ folders that each hold images/ and masks/ (or a DRIVE or ISIC 2018 folder as downloaded)');
}

export function trainSets(root: string, layout: Layout = 'auto'): TrainSets {
  requireDir(root);
  const l = layout === 'auto' ? detectLayout(root) : layout;
  if (l === 'drive') return driveTrain(root);
  if (l === 'isic') return isicTrain(root);
  if (isDir(join(root, 'train'))) return { train: plainSet(join(root, 'train')), val: isDir(join(root, 'val')) ? plainSet(join(root, 'val')) : null };
  if (isPlain(root)) return { train: plainSet(root), val: null };
  throw new DataError(root, 'expected images/ and masks/ folders, or train/ and val/ folders that each hold images/ and masks/');
}

export function evalSet(root: string, layout: Layout = 'auto'): PairSet {
  requireDir(root);
  const l = layout === 'auto' ? detectLayout(root) : layout;
  if (l === 'drive') return driveEval(root);
  if (l === 'isic') return isicEval(root);
  const dir = isDir(join(root, 'val')) ? join(root, 'val') : root;
  if (!isDir(join(dir, 'images')) && !isDir(join(dir, 'masks'))) throw new DataError(root, 'expected images/ and masks/ folders (or a val/ folder that holds them)');
  return plainSet(dir);
}
