/** What every decoder returns. */
export type ImageFormat = 'png' | 'tiff' | 'gif' | 'jpeg';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. Palette images are expanded to RGB. */
  channels: 1 | 2 | 3 | 4;
  /** Sample values span 0 .. 2^bitDepth - 1 (PNG gray of 1, 2 or 4 bits is scaled up to 8). */
  bitDepth: 8 | 16;
  /** Samples interleaved per pixel, rows top to bottom: data[(y * width + x) * channels + c]. */
  data: Uint8Array | Uint16Array;
  format: ImageFormat;
  /**
   * PNG only, one value per pixel before expansion: the palette index (colour type 3) or the unscaled sample (gray of
   * 1, 2 or 4 bits). Index masks use it as the class id.
   */
  rawValues?: Uint8Array;
}

/** Images larger than this many pixels are refused before anything is allocated for them. */
export const MAX_PIXELS = 2 ** 28;
