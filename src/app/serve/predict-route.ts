/**
 * POST /predict: an image body (PNG, JPEG, TIFF or GIF) in, the mask PNG out (0/255 for two classes, class ids
 * otherwise); `?overlay=1` the prediction drawn over the image (RGB PNG); `?format=json` the class fractions and
 * the timing instead of a picture. A body that is not a readable image, or that does not fit the model, is a 400
 * with one line of reason.
 */
import { decodeImage } from '../../image/index.js';
import { encodePng } from '../../image/png-encode.js';
import { maskPixels, overlayPixels, classFractions, type DecodedImage, type Segmentation } from '../segment.js';
import { HttpError } from './http-io.js';

export type PredictOutput = 'mask' | 'overlay' | 'json';

export interface PredictReply {
  type: 'png' | 'json';
  body: Uint8Array | Record<string, unknown>;
  headers: Record<string, string>;
}

/** What the query asks for; anything unknown or malformed is a 400 naming it. */
export function parsePredictQuery(params: URLSearchParams): PredictOutput {
  for (const key of params.keys()) if (key !== 'overlay' && key !== 'format') throw new HttpError(400, `unknown query parameter ${JSON.stringify(key)} (overlay=1 or format=json|png)`);
  const format = params.get('format') ?? 'png';
  if (format !== 'png' && format !== 'json') throw new HttpError(400, `format must be png or json, got ${JSON.stringify(format)}`);
  const overlay = params.get('overlay') ?? '0';
  if (overlay !== '0' && overlay !== '1') throw new HttpError(400, `overlay must be 0 or 1, got ${JSON.stringify(overlay)}`);
  if (format === 'json' && overlay === '1') throw new HttpError(400, 'overlay=1 returns a picture; it cannot be combined with format=json');
  return format === 'json' ? 'json' : overlay === '1' ? 'overlay' : 'mask';
}

/** Decode the body; every decoder failure (and an image over `maxPixels`) is a 400 naming the upload. */
export function decodeUpload(body: Uint8Array, maxPixels: number): DecodedImage {
  if (body.length === 0) throw new HttpError(400, 'empty request body: send the image bytes (PNG, JPEG, TIFF or GIF) as the body');
  let img: DecodedImage;
  try {
    img = decodeImage(body, 'upload');
  } catch (e) {
    throw asBadRequest(e);
  }
  if (img.width * img.height > maxPixels) throw new HttpError(400, `upload: image is ${img.width}x${img.height}, more than the ${maxPixels} pixels this server takes (--max-pixels)`);
  return img;
}

/**
 * Errors about the input (DataError: not an image, wrong channel count; UsageError: a tile that would not fit in
 * memory) are the client's: 400. Anything else propagates (500). By name, so errors that crossed threads count.
 */
export function asBadRequest(e: unknown): unknown {
  const err = e as Error;
  if (err?.name === 'DataError' || err?.name === 'UsageError') return new HttpError(400, err.message);
  return e;
}

/** The answer to a finished prediction: the mask or overlay PNG, or the JSON summary. */
export function predictReply(img: DecodedImage, seg: Segmentation, output: PredictOutput, timing: { received: number; started: number }): PredictReply {
  const done = performance.now();
  const seconds = { queued: (timing.started - timing.received) / 1000, inference: seg.seconds, total: (done - timing.received) / 1000 };
  const headers = { 'x-foreground': seg.foreground.toFixed(6), 'x-inference-seconds': seg.seconds.toFixed(4) };
  if (output === 'json') {
    return {
      type: 'json',
      body: { width: seg.width, height: seg.height, classes: seg.numClasses, fractions: classFractions(seg), foreground: seg.foreground, tile: seg.tile, seconds },
      headers,
    };
  }
  const png = output === 'overlay' ? encodePng(overlayPixels(img, seg), seg.width, seg.height, 3) : encodePng(maskPixels(seg), seg.width, seg.height, 1);
  return { type: 'png', body: png, headers };
}
