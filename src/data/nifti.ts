/**
 * NIfTI-1 volumes (.nii, and .nii.gz through node:zlib) and their 2-D slices.
 *
 * Header (348 bytes; byte order found from sizeof_hdr, which must read 348): dim int16[8] at 40, datatype int16 at 70,
 * bitpix int16 at 72, pixdim float32[8] at 76, vox_offset float32 at 108, scl_slope / scl_inter float32 at 112 / 116,
 * magic "n+1\0" at 344 (single-file NIfTI; the "ni1" .hdr/.img pair is not read).
 * Voxels: x fastest, then y, then z: v(i, j, k) = data[i + j*nx + k*nx*ny]; stored value s becomes s*slope + inter
 * when scl_slope is non-zero and finite (the standard's rule).
 *
 * A slice along axis a keeps the other two axes p < q as rows = q, columns = p, so an axial slice (axis 2) is the
 * usual y-rows, x-columns picture.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError, fsReason } from './errors.js';

export interface NiftiVolume {
  /** [nx, ny, nz]; missing dimensions are 1. */
  dims: [number, number, number];
  /** Voxel sizes [dx, dy, dz] from pixdim[1..3]. */
  spacing: [number, number, number];
  /** The NIfTI datatype code of the file (2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 256 int8, 512 uint16). */
  datatype: number;
  /** Scaled voxel values, x fastest. */
  data: Float32Array;
  file: string;
}

const DATATYPES: Record<number, { name: string; bytes: number; read: (v: DataView, o: number, le: boolean) => number }> = {
  2: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o) },
  4: { name: 'int16', bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  8: { name: 'int32', bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  16: { name: 'float32', bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  64: { name: 'float64', bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  256: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o) },
  512: { name: 'uint16', bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
};
const OTHER_TYPES: Record<number, string> = {
  1: 'binary', 32: 'complex64', 128: 'rgb24', 768: 'uint32', 1024: 'int64', 1280: 'uint64', 1536: 'float128',
  1792: 'complex128', 2048: 'complex256', 2304: 'rgba32',
};

export function readNifti(file: string): NiftiVolume {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataError(file, fsReason(e));
  }
  return parseNifti(bytes, file);
}

/** Parse NIfTI-1 bytes (gzip-compressed or not: detected from the gzip magic, not the file name). */
export function parseNifti(input: Uint8Array, file = 'nifti'): NiftiVolume {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError(file, `corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  if (bytes.length === 0) throw new DataError(file, 'file is empty (0 bytes), not a NIfTI volume');
  if (bytes.length < 348) throw new DataError(file, `truncated NIfTI header (${bytes.length} bytes, the header needs 348)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  if (view.getInt32(0, true) !== 348) {
    if (view.getInt32(0, false) === 348) le = false;
    else throw new DataError(file, `not a NIfTI-1 file (sizeof_hdr is ${view.getInt32(0, true)}, expected 348)`);
  }
  const magic = String.fromCharCode(bytes[344], bytes[345], bytes[346]);
  if (magic !== 'n+1' || bytes[347] !== 0) {
    const shown = JSON.stringify(String.fromCharCode(bytes[344], bytes[345], bytes[346], bytes[347]));
    const hint = magic === 'ni1' ? ' (a .hdr/.img pair; convert it to a single .nii file)' : '';
    throw new DataError(file, `bad NIfTI magic ${shown}, expected "n+1\\0"${hint}`);
  }
  const ndim = view.getInt16(40, le);
  if (ndim < 1 || ndim > 7) throw new DataError(file, `bad NIfTI dim[0] = ${ndim}, must be 1..7`);
  const dim: number[] = [];
  for (let d = 1; d <= 7; d++) dim.push(d <= ndim ? view.getInt16(40 + 2 * d, le) : 1);
  if (dim.slice(0, ndim).some((n) => n < 1)) throw new DataError(file, `bad NIfTI dimensions [${dim.slice(0, ndim).join(', ')}] (each must be >= 1)`);
  if (dim.slice(3).some((n) => n > 1)) throw new DataError(file, `${ndim}-D volume [${dim.slice(0, ndim).join(', ')}] is not supported; only 3-D (one time point)`);
  const code = view.getInt16(70, le);
  const type = DATATYPES[code];
  if (!type) {
    const name = OTHER_TYPES[code] ?? 'unknown';
    throw new DataError(file, `unsupported NIfTI datatype ${code} (${name}); supported: uint8, int8, int16, uint16, int32, float32, float64`);
  }
  const voxOffset = view.getFloat32(108, le);
  if (!Number.isFinite(voxOffset) || voxOffset < 348 || !Number.isInteger(voxOffset)) {
    throw new DataError(file, `bad vox_offset ${voxOffset} (must be an integer >= 348)`);
  }
  const [nx, ny, nz] = dim;
  const count = nx * ny * nz;
  const need = voxOffset + count * type.bytes;
  if (bytes.length < need) {
    throw new DataError(file, `truncated NIfTI volume: ${nx}x${ny}x${nz} ${type.name} needs ${need} bytes, the file has ${bytes.length}`);
  }
  let slope = view.getFloat32(112, le);
  let inter = view.getFloat32(116, le);
  if (slope === 0 || !Number.isFinite(slope)) {
    slope = 1;
    inter = 0;
  }
  if (!Number.isFinite(inter)) inter = 0;
  const data = new Float32Array(count);
  for (let i = 0, o = voxOffset; i < count; i++, o += type.bytes) data[i] = type.read(view, o, le) * slope + inter;
  const spacing: [number, number, number] = [1, 2, 3].map((d) => {
    const s = Math.abs(view.getFloat32(76 + 4 * d, le));
    return Number.isFinite(s) && s > 0 ? s : 1;
  }) as [number, number, number];
  return { dims: [nx, ny, nz], spacing, datatype: code, data, file };
}

export interface NiftiSlice {
  /** Slice index along the axis. */
  index: number;
  height: number;
  width: number;
  /** Image values scaled to [0, 1] (see niftiSlices), row-major H x W. */
  image: Float32Array;
  /** Mask values rounded to integers, row-major H x W. */
  mask: Int32Array;
}

/** Extract one slice along `axis` as a row-major plane (rows = the later remaining axis). */
export function slicePlane(vol: NiftiVolume, axis: 0 | 1 | 2, index: number): { height: number; width: number; data: Float32Array } {
  const [nx, ny] = vol.dims;
  const strides = [1, nx, nx * ny];
  const [p, q] = [0, 1, 2].filter((a) => a !== axis);
  const width = vol.dims[p], height = vol.dims[q];
  const data = new Float32Array(width * height);
  const base = index * strides[axis];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) data[r * width + c] = vol.data[base + r * strides[q] + c * strides[p]];
  }
  return { height, width, data };
}

/**
 * Intensity window of a volume: the 0.5th and 99.5th percentiles (robust to CT air and metal), from up to 200,000
 * evenly spaced voxels. Images are clipped to it and scaled to [0, 1].
 */
export function intensityWindow(vol: NiftiVolume): [number, number] {
  const n = vol.data.length;
  const step = Math.max(1, Math.floor(n / 200000));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) if (Number.isFinite(vol.data[i])) sample.push(vol.data[i]);
  if (sample.length === 0) throw new DataError(vol.file, 'the volume has no finite values');
  sample.sort((a, b) => a - b);
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round(q * (sample.length - 1))))];
  const lo = at(0.005), hi = at(0.995);
  return hi > lo ? [lo, hi] : [sample[0], sample[sample.length - 1] > sample[0] ? sample[sample.length - 1] : sample[0] + 1];
}

/**
 * The 2-D training slices of an image volume and its mask volume along `axis`, skipping slices whose mask is all
 * zero. Images are windowed to [0, 1] by intensityWindow; masks are rounded to integers.
 */
export function niftiSlices(image: NiftiVolume, mask: NiftiVolume, axis: 0 | 1 | 2): NiftiSlice[] {
  if (image.dims.some((d, i) => d !== mask.dims[i])) {
    throw new DataError(mask.file, `mask volume is ${mask.dims.join('x')} but image volume ${image.file} is ${image.dims.join('x')}`);
  }
  const [lo, hi] = intensityWindow(image);
  const scale = 1 / (hi - lo);
  const out: NiftiSlice[] = [];
  for (let k = 0; k < image.dims[axis]; k++) {
    const m = slicePlane(mask, axis, k);
    const maskInt = new Int32Array(m.data.length);
    let any = false;
    for (let i = 0; i < m.data.length; i++) {
      const v = Math.round(m.data[i]);
      maskInt[i] = Number.isFinite(v) ? v : 0;
      if (maskInt[i] !== 0) any = true;
    }
    if (!any) continue;
    const im = slicePlane(image, axis, k);
    for (let i = 0; i < im.data.length; i++) {
      const v = (im.data[i] - lo) * scale;
      im.data[i] = v < 0 ? 0 : v > 1 ? 1 : Number.isNaN(v) ? 0 : v;
    }
    out.push({ index: k, height: im.height, width: im.width, image: im.data, mask: maskInt });
  }
  return out;
}
