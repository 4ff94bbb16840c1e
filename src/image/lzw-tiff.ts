/**
 * TIFF's LZW (TIFF 6.0 §13): codes are read most significant bit first, 9 to 12 bits wide; 256 clears the table,
 * 257 ends the strip, new entries start at 258, and the width grows one code early ("early change": after entry
 * 510, 1022 and 2046 is added). Pre-6.0 "old-style" LZW (codes least significant bit first) is refused.
 */

/** Thrown on a malformed code stream; the TIFF decoder adds the file and strip. */
export class LzwError extends Error {}

/** Decode one strip or tile into `out` (its expected size); returns the number of bytes written. */
export function lzwDecodeTiff(src: Uint8Array, out: Uint8Array): number {
  if (src.length >= 2 && src[0] === 0 && (src[1] & 1)) throw new LzwError('old-style (pre-TIFF 6.0) LZW is not supported');
  const prefix = new Int16Array(4096), suffix = new Uint8Array(4096), first = new Uint8Array(4096), length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
    prefix[i] = -1;
  }
  let next = 258, width = 9, prev = -1, o = 0;
  let bits = 0, nbits = 0, pos = 0;
  const totalBits = src.length * 8;
  while (o < out.length) {
    if (pos * 8 - nbits + width > totalBits) break; // no complete code left: the caller sees a short strip
    while (nbits < width) {
      bits = ((bits << 8) | src[pos++]) & 0xffffff;
      nbits += 8;
    }
    const code = (bits >>> (nbits - width)) & ((1 << width) - 1);
    nbits -= width;
    if (code === 257) break;
    if (code === 256) {
      next = 258;
      width = 9;
      prev = -1;
      continue;
    }
    let entry: number;
    if (prev < 0) {
      if (code > 255) throw new LzwError(`code ${code} right after a clear code`);
      out[o++] = code;
      prev = code;
      continue;
    }
    if (code < next) entry = code;
    else if (code === next) entry = prev; // the KwKwK case: the new entry is prev + first(prev)
    else throw new LzwError(`code ${code} is past the table (next entry ${next})`);
    // the string of `entry`, written back to front from its end
    const len = length[entry], end = Math.min(o + len, out.length);
    for (let e = entry, i = o + len - 1; e >= 0; e = prefix[e], i--) if (i < end) out[i] = suffix[e];
    o = end;
    if (code === next && o < out.length) out[o++] = first[prev];
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = code === next ? first[prev] : first[code];
      first[next] = first[prev];
      length[next] = length[prev] + 1;
      next++;
      if (next + 1 === 1 << width && width < 12) width++;
    }
    prev = code;
  }
  return o;
}
