/**
 * zlib/deflate decompression for PNG and TIFF, on fflate (pure JS, no Node built-ins, so it runs in browsers too).
 * fflate does not check the zlib trailer, so `unzlib` compares the Adler-32 of the output with the last four bytes:
 * a truncated or spliced stream is refused rather than decoded into a wrong picture.
 */
import { inflateSync } from 'fflate';
import { adler32 } from './checksum.js';

/** Thrown by the helpers here; each decoder turns it into a DataError naming the file. */
export class InflateError extends Error {}

/** Raw deflate data (RFC 1951) → bytes. */
export function inflate(data: Uint8Array): Uint8Array {
  try {
    return inflateSync(data);
  } catch (e) {
    throw new InflateError(String((e as Error)?.message ?? e));
  }
}

/** A zlib stream (RFC 1950): a 2-byte header, deflate data, the Adler-32 of the output (checked when `checkAdler`). */
export function unzlib(data: Uint8Array, checkAdler: boolean): Uint8Array {
  if (data.length < 6) throw new InflateError('zlib stream is too short');
  const cmf = data[0], flg = data[1];
  if ((cmf & 15) !== 8 || ((cmf << 8) | flg) % 31 !== 0) throw new InflateError('bad zlib header');
  if (flg & 32) throw new InflateError('zlib preset dictionaries are not supported');
  const out = inflate(data.subarray(2, checkAdler ? data.length - 4 : data.length));
  if (checkAdler) {
    const n = data.length;
    const want = ((data[n - 4] << 24) | (data[n - 3] << 16) | (data[n - 2] << 8) | data[n - 1]) >>> 0;
    if (adler32(out) !== want) throw new InflateError('zlib checksum mismatch (incomplete or damaged data)');
  }
  return out;
}
