/**
 * Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): for every pixel p,
 * out[p] = min over feature pixels q of |p - q|², computed as a 1-D transform down every column followed by one
 * along every row. Each 1-D pass is the lower envelope of the parabolas (q - i)² + f(q). Without any feature pixel
 * every distance is Infinity.
 */
export function squaredDistanceTransform(feature: ArrayLike<number>, H: number, W: number): Float64Array {
  const out = new Float64Array(H * W);
  for (let i = 0; i < out.length; i++) out[i] = feature[i] ? 0 : Infinity;
  const n = Math.max(H, W);
  const f = new Float64Array(n), d = new Float64Array(n), v = new Int32Array(n), z = new Float64Array(n + 1);
  for (let x = 0; x < W; x++) {
    for (let y = 0; y < H; y++) f[y] = out[y * W + x];
    transform1d(f, H, d, v, z);
    for (let y = 0; y < H; y++) out[y * W + x] = d[y];
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) f[x] = out[y * W + x];
    transform1d(f, W, d, v, z);
    for (let x = 0; x < W; x++) out[y * W + x] = d[x];
  }
  return out;
}

/** d[i] = min_q (i - q)² + f[q] over the first n entries; v, z are scratch (parabola vertices and boundaries). */
function transform1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    // Drop parabolas hidden by the one rooted at q: s = intersection of parabolas at q and v[k].
    while (k >= 0) {
      const s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      if (s <= z[k]) k--;
      else {
        k++;
        v[k] = q;
        z[k] = s;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
    }
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let i = 0; i < n; i++) d[i] = Infinity;
    return;
  }
  let j = 0;
  for (let i = 0; i < n; i++) {
    while (z[j + 1] < i) j++;
    d[i] = (i - v[j]) * (i - v[j]) + f[v[j]];
  }
}
