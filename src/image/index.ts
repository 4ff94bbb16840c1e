/** Platform-neutral image codecs on bytes: PNG, TIFF, GIF and JPEG decoding, PNG encoding. */
export { decodeImage, detectFormat } from './decode.js';
export { encodePng } from './png-encode.js';
export { decodePng } from './png.js';
export { decodeTiff } from './tiff.js';
export { decodeGif } from './gif.js';
export { decodeJpeg } from './jpeg.js';
export { DataError } from './errors.js';
export { MAX_PIXELS, type DecodedImage, type ImageFormat } from './types.js';
