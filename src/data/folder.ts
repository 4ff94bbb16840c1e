/**
 * Folder datasets of image files (PNG, TIFF, GIF, JPEG; see image-file.ts), laid out as layout.ts describes:
 *   root/images/* + root/masks/*                       (split into train/val by a seeded --val-fraction)
 *   root/train/{images,masks}/ + root/val/{images,masks}/ (used as given)
 *   DRIVE and ISIC 2018 folders as downloaded            (--layout drive|isic, or found by --layout auto)
 * A mask belongs to the image with the same key (the file stem in the plain layout: "case_01.png" ↔ "case_01.gif").
 * Files whose names start with "." are skipped; any other file that is not an image is an error (in the ISIC
 * layout it is skipped), as are unmatched images or masks.
 * An optional field-of-view folder (fov/ beside images/; DRIVE's mask/) holds masks of the region to score: pixels
 * where it is 0 are ignored (255) in training and evaluation, as the official DRIVE loader does.
 */
import { readdirSync } from 'node:fs';
import { join, extname, basename } from 'node:path';
import { DataError, fsReason } from './errors.js';
import { IMAGE_EXTENSIONS, isImageFile, readImage, readMask } from './image-file.js';
import { type Layout, type PairSet, type Role, evalSet, isDir, requireDir, trainSets } from './layout.js';
import { type RawSample, type AssembleOptions, assembleSplit, checkChannels } from './assemble.js';
import { type DataSplit, type Sample } from './sample.js';
import { toClassIds, checkClassIds } from './mask.js';

const EXTS = IMAGE_EXTENSIONS.join(', ');

/** The image files of a folder by key (the stem unless `key` says otherwise), sorted by name. */
export function listImages(dir: string, key: (stem: string) => string = (s) => s, skipNonImages = false): Map<string, string> {
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
    if (!isImageFile(n)) {
      if (skipNonImages) continue;
      throw new DataError(path, `not an image file (images and masks are read from ${EXTS} files; move it out)`);
    }
    const k = key(basename(n, extname(n)));
    const other = out.get(k);
    if (other) throw new DataError(path, `two files have the key ${JSON.stringify(k)}: ${basename(other)} and ${n}; keep one`);
    out.set(k, path);
  }
  if (out.size === 0) throw new DataError(dir, `folder has no image files (${EXTS})`);
  return out;
}

/** @deprecated the name of listImages from when only PNG was read; it lists every supported format. */
export const listPngs = (dir: string) => listImages(dir);

/** Read the matched image/mask pairs of one set. */
export function readPairs(s: PairSet): RawSample[] {
  const list = (dir: string, role: Role) => listImages(dir, (stem) => s.key(stem, role), s.skipNonImages);
  const images = list(s.images, 'image');
  const masks = list(s.masks, 'mask');
  for (const [key, path] of images) if (!masks.has(key)) throw new DataError(path, `image has no mask ${named(s, key)} in ${s.masks}`);
  for (const [key, path] of masks) if (!images.has(key)) throw new DataError(path, `mask has no image ${named(s, key)} in ${s.images}`);
  const fovs = s.fov ? list(s.fov, 'fov') : null;
  const out: RawSample[] = [];
  for (const [key, imgPath] of images) {
    const maskPath = masks.get(key)!;
    const img = readImage(imgPath);
    const m = readMask(maskPath);
    if (m.width !== img.width || m.height !== img.height) {
      throw new DataError(maskPath, `mask is ${m.width}x${m.height} but its image ${imgPath} is ${img.width}x${img.height}`);
    }
    let ignore: Uint8Array | undefined;
    if (fovs) {
      const fovPath = fovs.get(key);
      if (!fovPath) throw new DataError(imgPath, `image has no field-of-view mask ${named(s, key)} in ${s.fov}`);
      const f = readMask(fovPath);
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

/** How a partner file is described: "named case_01.*" (same stem) or "for key 21" (a layout's own naming). */
const named = (s: PairSet, key: string) => (s.layout === 'folder' ? `named ${key}.*` : `for ${JSON.stringify(key)}`);

const DESCRIBE = { folder: 'folder', drive: 'DRIVE folder', isic: 'ISIC 2018 folder' } as const;

/** Load a folder dataset for training (see the file comment for the layouts). */
export function loadFolderDataset(root: string, o: AssembleOptions & { layout?: Layout } = {}): DataSplit {
  const { train, val } = trainSets(root, o.layout);
  const what = `${DESCRIBE[train.layout]} ${root}`;
  return assembleSplit(readPairs(train), val ? readPairs(val) : null, o, train.dir, what);
}

export interface EvalSet {
  samples: Sample[];
  channels: number;
  numClasses: number;
  /** Which folder was scored: "folder data" or "DRIVE folder data/test/images". */
  description: string;
}

/**
 * The images an evaluation runs on: the validation side of the layout when the folder has one (val/, DRIVE's
 * test/, ISIC's _Validation_), otherwise every pair. `numClasses` comes from the checkpoint; index masks are checked
 * against it.
 */
export function loadEvalFolder(root: string, numClasses: number, maskMode: 'binary' | 'index', layout: Layout = 'auto'): EvalSet {
  const set = evalSet(root, layout);
  const raw = readPairs(set);
  const channels = checkChannels(raw);
  const samples = raw.map((s) => {
    const ids = toClassIds(s.mask, maskMode);
    checkClassIds(s.mask, ids, numClasses, maskMode);
    return { name: s.name, channels: s.channels, height: s.height, width: s.width, image: s.image, mask: ids };
  });
  const description = set.layout === 'folder' ? `folder ${root}` : `${DESCRIBE[set.layout]} ${set.images}`;
  return { samples, channels, numClasses, description };
}
