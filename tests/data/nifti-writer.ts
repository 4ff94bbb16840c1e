/** Builds NIfTI-1 single-file bytes for tests (any byte order and supported datatype). */
const SIZES: Record<number, number> = { 2: 1, 4: 2, 8: 4, 16: 4, 32: 8, 64: 8, 256: 1, 512: 2, 1024: 8 };

export interface NiftiSpec {
  dims: number[];
  datatype: number;
  values: ArrayLike<number>;
  littleEndian?: boolean;
  slope?: number;
  inter?: number;
  voxOffset?: number;
  magic?: string;
}

export function encodeNifti(s: NiftiSpec): Uint8Array {
  const le = s.littleEndian ?? true;
  const off = s.voxOffset ?? 352;
  const size = SIZES[s.datatype] ?? 4;
  const out = new Uint8Array(off + s.values.length * size);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, le);
  v.setInt16(40, s.dims.length, le);
  s.dims.forEach((d, i) => v.setInt16(42 + 2 * i, d, le));
  v.setInt16(70, s.datatype, le);
  v.setInt16(72, size * 8, le);
  for (let d = 0; d < 4; d++) v.setFloat32(76 + 4 * d, 1, le);
  v.setFloat32(108, off, le);
  v.setFloat32(112, s.slope ?? 1, le);
  v.setFloat32(116, s.inter ?? 0, le);
  const magic = s.magic ?? 'n+1\0';
  for (let i = 0; i < 4; i++) out[344 + i] = magic.charCodeAt(i) || 0;
  for (let i = 0; i < s.values.length; i++) {
    const o = off + i * size, x = s.values[i];
    switch (s.datatype) {
      case 2: v.setUint8(o, x); break;
      case 256: v.setInt8(o, x); break;
      case 4: v.setInt16(o, x, le); break;
      case 512: v.setUint16(o, x, le); break;
      case 8: v.setInt32(o, x, le); break;
      case 16: v.setFloat32(o, x, le); break;
      case 64: v.setFloat64(o, x, le); break;
      default: v.setFloat64(o, x, le); // 8-byte stand-in for int64 and complex64 fixtures
    }
  }
  return out;
}
