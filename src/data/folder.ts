/**
 * Folder datasets of PNG files:
 *   root/images/*.png + root/masks/*.png                 (split into train/val by a seeded --val-fraction)
 *   root/train/{images,masks}/ + root/val/{images,masks}/ (used as given)
 * A mask belongs to the image with the same file stem ("case_01.png" ↔ "case_01.png"). Files whose names start
 * with "." are skipped; any other non-.png file is an error, as are unmatched images or masks.
 * An optional fov/ folder beside images/ holds field-of-view masks (DRIVE's "mask" images): pixels where the
 * fov mask is 0 are ignored (255) in training and evaluation, as the official DRIVE loader does.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, extname, basename } from 'node:path';
import { DataError, fsReason } from './errors.js';
import { readImagePng, readMaskPng } from './png.js';
import { type RawSample, type AssembleOptions, assembleSplit, checkChannels } from './assemble.js';
import { type DataSplit, type Sample } from './sample.js';
import { toClassIds, checkClassIds } from './mask.js';

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function requireDir(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new DataError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : fsReason(e));
  }
  if (!st.isDirectory()) throw new DataError(path, 'is a file, not a folder');
}

/** The .png files of a folder, by stem, sorted by name. */
export function listPngs(dir: string): Map<string, string> {
  requireDir(dir);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new DataError(dir, fsReason(e));
  }
  const out = new Map<string, string>();
  for (const n of names) {
    if (n.startsWith('.')) continue;
    const path = join(dir, n);
    if (isDir(path)) continue;
    if (extname(n).toLowerCase() !== '.png') throw new DataError(path, 'not a PNG file (only .png images and masks are read; convert it or move it out)');
    out.set(basename(n, extname(n)), path);
  }
  if (out.size === 0) throw new DataError(dir, 'folder has no .png files');
  return out;
}

/** Read the matched image/mask pairs of one images/ + masks/ folder. */
export function readPairs(dir: string): RawSample[] {
  const imagesDir = join(dir, 'images'), masksDir = join(dir, 'masks');
  const images = listPngs(imagesDir);
  const masks = listPngs(masksDir);
  for (const [stem, path] of images) if (!masks.has(stem)) throw new DataError(path, `image has no mask named ${stem}.png in ${masksDir}`);
  for (const [stem, path] of masks) if (!images.has(stem)) throw new DataError(path, `mask has no image named ${stem}.png in ${imagesDir}`);
  const fovDir = join(dir, 'fov');
  const fovs = isDir(fovDir) ? listPngs(fovDir) : null;
  const out: RawSample[] = [];
  for (const [stem, imgPath] of images) {
    const maskPath = masks.get(stem)!;
    const img = readImagePng(imgPath);
    const m = readMaskPng(maskPath);
    if (m.width !== img.width || m.height !== img.height) {
      throw new DataError(maskPath, `mask is ${m.width}x${m.height} but its image ${imgPath} is ${img.width}x${img.height}`);
    }
    let ignore: Uint8Array | undefined;
    if (fovs) {
      const fovPath = fovs.get(stem);
      if (!fovPath) throw new DataError(imgPath, `image has no field-of-view mask named ${stem}.png in ${fovDir}`);
      const f = readMaskPng(fovPath);
      if (f.width !== img.width || f.height !== img.height) {
        throw new DataError(fovPath, `field-of-view mask is ${f.width}x${f.height} but its image ${imgPath} is ${img.width}x${img.height}`);
      }
      ignore = Uint8Array.from(f.values, (v) => (v === 0 ? 1 : 0));
    }
    out.push({
      name: imgPath, channels: img.channels, height: img.height, width: img.width, image: img.data,
      mask: { file: maskPath, width: m.width, values: m.values, coloured: m.coloured, ignore },
    });
  }
  return out;
}

/** Load a folder dataset for training (see the file comment for the layouts). */
export function loadFolderDataset(root: string, o: AssembleOptions = {}): DataSplit {
  requireDir(root);
  if (isDir(join(root, 'train'))) {
    const train = readPairs(join(root, 'train'));
    const val = isDir(join(root, 'val')) ? readPairs(join(root, 'val')) : null;
    return assembleSplit(train, val, o, join(root, 'train'), `folder ${root}`);
  }
  if (isDir(join(root, 'images')) || isDir(join(root, 'masks'))) return assembleSplit(readPairs(root), null, o, root, `folder ${root}`);
  throw new DataError(root, 'expected images/ and masks/ folders, or train/ and val/ folders that each hold images/ and masks/');
}

export interface EvalSet {
  samples: Sample[];
  channels: number;
  numClasses: number;
}

/**
 * The images an evaluation runs on: root/val/ when the folder has one, otherwise every pair of root/images + masks.
 * `numClasses` comes from the checkpoint; index masks are checked against it.
 */
export function loadEvalFolder(root: string, numClasses: number, maskMode: 'binary' | 'index'): EvalSet {
  requireDir(root);
  const dir = isDir(join(root, 'val')) ? join(root, 'val') : root;
  if (!isDir(join(dir, 'images')) && !isDir(join(dir, 'masks'))) {
    throw new DataError(root, 'expected images/ and masks/ folders (or a val/ folder that holds them)');
  }
  const raw = readPairs(dir);
  const channels = checkChannels(raw);
  const samples = raw.map((s) => {
    const ids = toClassIds(s.mask, maskMode);
    checkClassIds(s.mask, ids, numClasses, maskMode);
    return { name: s.name, channels: s.channels, height: s.height, width: s.width, image: s.image, mask: ids };
  });
  return { samples, channels, numClasses };
}
