/**
 * val_overlays.png: one row per validation case, three tiles per row: the image | the truth drawn over it | the
 * prediction drawn over it. Tiles are scaled up by an integer factor (nearest neighbour) so small images stay
 * readable, and separated by white lines.
 */
import { imageToRgb, overlayMask } from './overlay.js';
import { encodePng } from '../data/png.js';

export interface OverlayCase {
  image: ArrayLike<number>;
  channels: number;
  height: number;
  width: number;
  truth: ArrayLike<number>;
  pred: ArrayLike<number>;
}

/** Paste an RGB tile (h x w) into dst (DW wide) at (x0, y0), scaled by `k`. */
function paste(dst: Uint8Array, DW: number, tile: Uint8Array, h: number, w: number, x0: number, y0: number, k: number): void {
  for (let y = 0; y < h * k; y++) {
    for (let x = 0; x < w * k; x++) {
      const s = (Math.floor(y / k) * w + Math.floor(x / k)) * 3, d = ((y0 + y) * DW + x0 + x) * 3;
      dst[d] = tile[s];
      dst[d + 1] = tile[s + 1];
      dst[d + 2] = tile[s + 2];
    }
  }
}

/** Build the grid as PNG bytes. Tiles of different sizes are placed in cells of the largest size. */
export function overlayGridPng(cases: readonly OverlayCase[], minTile = 160): Uint8Array {
  const maxH = Math.max(...cases.map((c) => c.height)), maxW = Math.max(...cases.map((c) => c.width));
  const k = Math.max(1, Math.floor(minTile / Math.max(maxH, maxW)));
  const gap = 4, cellH = maxH * k, cellW = maxW * k;
  const W = 3 * cellW + 4 * gap, H = cases.length * cellH + (cases.length + 1) * gap;
  const px = new Uint8Array(W * H * 3).fill(255);
  cases.forEach((c, row) => {
    const rgb = imageToRgb(c.image, c.channels, c.height, c.width);
    // Two classes: truth in green, prediction in red; more classes: each class in its own colour in both.
    const multi = Array.prototype.some.call(c.truth, (v: number) => v > 1 && v !== 255);
    const tiles = [
      rgb,
      overlayMask(rgb, c.truth, c.height, c.width, 0.45, multi ? undefined : [40, 220, 40]),
      overlayMask(rgb, c.pred, c.height, c.width, 0.45, multi ? undefined : [255, 40, 40]),
    ];
    tiles.forEach((t, col) => paste(px, W, t, c.height, c.width, gap + col * (cellW + gap), gap + row * (cellH + gap), k));
  });
  return encodePng(px, W, H, 3);
}
