/**
 * From raw mask values to class ids.
 * binary: any non-zero value is foreground (1), zero is background (0); nothing is ignored.
 * index:  the value is the class id, 255 is ignored (as the official DRIVE loader does); the class count is
 *         max(id) + 1 over the dataset (at least 2) unless given, and every id must be below it.
 * In both modes, pixels outside a field-of-view mask (RawMask.ignore) become 255, as the official DRIVE loader
 * does with its roi masks.
 */
import { DataError } from './errors.js';
import { IGNORE_INDEX, type MaskMode } from './sample.js';

export interface RawMask {
  file: string;
  width: number;
  values: Int32Array;
  /** A colour-coded RGB mask (not usable as class ids). */
  coloured?: boolean;
  /** 1 where the pixel lies outside the field of view and is ignored. */
  ignore?: Uint8Array;
}

/** Map raw values to class ids in place-free fashion (returns a new array). */
export function toClassIds(m: RawMask, mode: MaskMode): Int32Array {
  const out = new Int32Array(m.values.length);
  if (mode === 'binary') {
    for (let i = 0; i < out.length; i++) out[i] = m.values[i] !== 0 ? 1 : 0;
  } else {
    if (m.coloured) throw new DataError(m.file, 'mask is a colour-coded RGB image; index masks must hold class ids in a gray or palette PNG');
    out.set(m.values);
  }
  if (m.ignore) for (let i = 0; i < out.length; i++) if (m.ignore[i]) out[i] = IGNORE_INDEX;
  return out;
}

/** The class count of index masks: max id + 1 (255 excluded), at least 2; ids above 254 are errors. */
export function inferClassCount(masks: RawMask[]): number {
  let max = 1;
  for (const m of masks) {
    for (let i = 0; i < m.values.length; i++) {
      const v = m.values[i];
      if (v === IGNORE_INDEX) continue;
      if (v < 0 || v > 254) throw outOfRange(m, i, v, 'is not a class id (0..254; 255 = ignore)');
      if (v > max) max = v;
    }
  }
  return max + 1;
}

/** Throw if a mask has an id outside [0, numClasses) other than 255 (ignored), or is entirely ignored. */
export function checkClassIds(m: RawMask, ids: Int32Array, numClasses: number, mode: MaskMode): void {
  let ignored = 0;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (v === IGNORE_INDEX && (mode === 'index' || m.ignore)) {
      ignored++;
      continue;
    }
    if (v < 0 || v >= numClasses) throw outOfRange(m, i, v, `is outside the class range 0..${numClasses - 1} (255 = ignore)`);
  }
  if (ids.length > 0 && ignored === ids.length) throw new DataError(m.file, 'every pixel is 255 (ignore); the mask has nothing to learn from');
}

function outOfRange(m: RawMask, i: number, v: number, why: string): DataError {
  const x = i % m.width, y = Math.floor(i / m.width);
  return new DataError(m.file, `mask value ${v} at (x ${x}, y ${y}) ${why}`);
}
