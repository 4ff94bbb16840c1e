/**
 * Drawing masks over images as 8-bit RGB pixels (HWC): class c > 0 is tinted with CLASS_COLORS[c] at `alpha`, and
 * its boundary pixels (a 4-neighbour of another class) are drawn in the solid colour, so thin structures stay visible.
 */
export const CLASS_COLORS: [number, number, number][] = [
  [0, 0, 0], [255, 40, 40], [40, 220, 40], [60, 120, 255], [255, 200, 0], [220, 60, 220], [0, 220, 220], [255, 128, 0],
];

export function classColor(c: number): [number, number, number] {
  return CLASS_COLORS[c % CLASS_COLORS.length || 1];
}

/** CHW image in [0, 1] (1 or 3 channels; more: the first 3) → RGB HWC bytes. Values outside [0, 1] are clipped. */
export function imageToRgb(image: ArrayLike<number>, C: number, H: number, W: number): Uint8Array {
  const out = new Uint8Array(H * W * 3), plane = H * W;
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const v = image[(C >= 3 ? k : 0) * plane + p];
      out[p * 3 + k] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  return out;
}

/** Tint `rgb` (H x W x 3, modified copy returned) with the classes of `mask`; 0 and 255 (ignore) are not drawn. */
export function overlayMask(rgb: Uint8Array, mask: ArrayLike<number>, H: number, W: number, alpha = 0.45, color?: [number, number, number]): Uint8Array {
  const out = Uint8Array.from(rgb);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x, c = mask[p];
      if (c === 0 || c === 255) continue;
      const col = color ?? classColor(c);
      const edge = (x > 0 && mask[p - 1] !== c) || (x < W - 1 && mask[p + 1] !== c) || (y > 0 && mask[p - W] !== c) || (y < H - 1 && mask[p + W] !== c);
      const a = edge ? 1 : alpha;
      for (let k = 0; k < 3; k++) out[p * 3 + k] = Math.round(out[p * 3 + k] * (1 - a) + col[k] * a);
    }
  }
  return out;
}

/** A mask as a picture: class colours on black, ignore (255) in gray. */
export function maskToRgb(mask: ArrayLike<number>, H: number, W: number): Uint8Array {
  const out = new Uint8Array(H * W * 3);
  for (let p = 0; p < H * W; p++) {
    const c = mask[p];
    const col: [number, number, number] = c === 255 ? [128, 128, 128] : c === 0 ? [0, 0, 0] : classColor(c);
    out.set(col, p * 3);
  }
  return out;
}
