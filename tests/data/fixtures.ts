/** Tiny on-disk datasets for data and CLI tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src/data/png.js';

export interface PairSpec {
  stem: string;
  width?: number;
  height?: number;
  channels?: 1 | 3;
  /** Mask pixel values (row-major); default: a foreground square of 255 in the middle. */
  mask?: number[];
  maskWidth?: number;
  maskHeight?: number;
}

/** A square of `fg` in the middle of a w x h mask of zeros. */
export function squareMask(w: number, h: number, fg = 255): number[] {
  const m = new Array<number>(w * h).fill(0);
  for (let y = Math.floor(h / 4); y < Math.ceil((3 * h) / 4); y++) for (let x = Math.floor(w / 4); x < Math.ceil((3 * w) / 4); x++) m[y * w + x] = fg;
  return m;
}

/** An image that shows its mask (bright where the mask is non-zero) plus a little deterministic texture. */
export function imageFor(mask: number[], w: number, h: number, channels: 1 | 3): number[] {
  const px: number[] = [];
  for (let i = 0; i < w * h; i++) {
    const v = (mask[i] ? 190 : 60) + ((i * 37) % 23);
    for (let c = 0; c < channels; c++) px.push(v - c * 10);
  }
  return px;
}

/** Write dir/images/<stem>.png and dir/masks/<stem>.png for each spec. */
export function writePairs(dir: string, specs: PairSpec[]): void {
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'masks'), { recursive: true });
  for (const s of specs) {
    const w = s.width ?? 16, h = s.height ?? 16, ch = s.channels ?? 1;
    const mw = s.maskWidth ?? w, mh = s.maskHeight ?? h;
    const mask = s.mask ?? squareMask(mw, mh);
    const imgMask = mw === w && mh === h ? mask : squareMask(w, h);
    writeFileSync(join(dir, 'images', `${s.stem}.png`), encodePng(imageFor(imgMask, w, h, ch), w, h, ch));
    writeFileSync(join(dir, 'masks', `${s.stem}.png`), encodePng(mask, mw, mh, 1));
  }
}

export const stems = (n: number, prefix = 'case'): PairSpec[] => Array.from({ length: n }, (_, i) => ({ stem: `${prefix}_${String(i).padStart(2, '0')}` }));
