/**
 * The built-in synthetic segmentation set: seeded, generated in memory, so `amsunet train` and `npm start` run with
 * no download. Each image holds targets of three sizes on a textured, noisy background:
 *   large   one irregular blob (radius 22-34 % of the side, wobbly outline from 3 radial harmonics), or
 *   medium  1-2 rotated ellipses (semi-axes 9-18 % of the side),
 *   small   2-4 small discs (radius 3.5-6.5 % of the side, at least 2 px),
 *   thin    1-2 curved vessel-like lines (quadratic Bezier, 2.2-3.2 px wide).
 * Background: a smooth random field (bilinear 5x5 grid) plus two sinusoidal gratings; distractors: 1-2 dark
 * ellipses (not targets) and soft bright bumps with no edge (not targets). Targets are brighter by a per-object
 * contrast of 0.22-0.36 (tinted per image in RGB), edges are softened by a 3x3 box blur, and Gaussian noise of
 * sigma 0.03-0.06 is added. Sample i is drawn from its own generator (seed, i), so the set does not change when
 * `count` does. Each sample also records the pixel area of every target, grouped by size class.
 */
import { Generator } from '../tensor/rng.js';
import { type DataSplit, type Sample } from './sample.js';
import { DataError } from './errors.js';

export type SizeClass = 'small' | 'medium' | 'large' | 'thin';

export interface SyntheticSample extends Sample {
  /** Per pixel: 0 background, else 1 + index into `targets` of the target drawn last there. */
  instances: Int32Array;
  targets: { size: SizeClass; area: number }[];
}

export interface SyntheticOptions {
  /** Number of images in all (train + val). Default 80. */
  count?: number;
  /** Image side in pixels. Default 48. */
  size?: number;
  /** 1 (gray, default) or 3 (RGB). */
  channels?: 1 | 3;
  seed?: number;
  valFraction?: number;
}

/** Mix seed and index into one 32-bit generator seed (Murmur3 finaliser). */
function sampleSeed(seed: number, i: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const U = (g: Generator, lo: number, hi: number) => lo + (hi - lo) * g.uniform();

/** Paint `value` into `dst` wherever inside(x, y) holds, over the bounding box [x0, x1) x [y0, y1). */
function paint(S: number, box: [number, number, number, number], inside: (x: number, y: number) => boolean, fn: (p: number) => void): void {
  const [x0, y0, x1, y1] = box.map((v, k) => Math.max(0, Math.min(S, k < 2 ? Math.floor(v) : Math.ceil(v))));
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (inside(x + 0.5, y + 0.5)) fn(y * S + x);
}

function ellipse(cx: number, cy: number, a: number, b: number, th: number): (x: number, y: number) => boolean {
  const c = Math.cos(th), s = Math.sin(th);
  return (x, y) => {
    const dx = x - cx, dy = y - cy;
    const u = (dx * c + dy * s) / a, v = (-dx * s + dy * c) / b;
    return u * u + v * v <= 1;
  };
}

/** Generate sample `index` of the synthetic set. */
export function syntheticSample(seed: number, index: number, size = 48, channels: 1 | 3 = 1): SyntheticSample {
  const g = new Generator(sampleSeed(seed, index));
  const S = size, N = S * S;
  const instances = new Int32Array(N);
  const targets: { size: SizeClass; area: number }[] = [];
  const contrast = new Float32Array(N); // intensity added by targets and distractors, before blur
  const addTarget = (sizeClass: SizeClass, box: [number, number, number, number], inside: (x: number, y: number) => boolean) => {
    const id = targets.length + 1;
    const c = U(g, 0.22, 0.36);
    targets.push({ size: sizeClass, area: 0 });
    paint(S, box, inside, (p) => {
      instances[p] = id;
      contrast[p] = c;
    });
  };

  // Distractors first, so targets drawn later cover them.
  for (let k = g.int(1, 3); k > 0; k--) {
    const cx = U(g, 0, S), cy = U(g, 0, S), a = U(g, 0.06, 0.14) * S, b = U(g, 0.5, 1) * a;
    const inside = ellipse(cx, cy, a, b, U(g, 0, Math.PI));
    const c = -U(g, 0.15, 0.25);
    paint(S, [cx - a, cy - a, cx + a, cy + a], inside, (p) => (contrast[p] = c));
  }

  if (g.uniform() < 0.55) {
    const cx = U(g, 0.3, 0.7) * S, cy = U(g, 0.3, 0.7) * S, r0 = U(g, 0.22, 0.34) * S;
    const harm = [2, 3, 4].map(() => [U(g, 0, 0.12), U(g, 0, 2 * Math.PI)]);
    const rmax = r0 * 1.4;
    addTarget('large', [cx - rmax, cy - rmax, cx + rmax, cy + rmax], (x, y) => {
      const phi = Math.atan2(y - cy, x - cx);
      let r = r0;
      harm.forEach(([a, p], k) => (r += r0 * a * Math.cos((k + 2) * phi + p)));
      return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    });
  } else {
    for (let k = g.int(1, 3); k > 0; k--) {
      const cx = U(g, 0.2, 0.8) * S, cy = U(g, 0.2, 0.8) * S, a = U(g, 0.09, 0.18) * S, b = U(g, 0.55, 1) * a;
      addTarget('medium', [cx - a, cy - a, cx + a, cy + a], ellipse(cx, cy, a, b, U(g, 0, Math.PI)));
    }
  }
  for (let k = g.int(2, 5); k > 0; k--) {
    const cx = U(g, 0.08, 0.92) * S, cy = U(g, 0.08, 0.92) * S, r = Math.max(2, U(g, 0.035, 0.065) * S);
    addTarget('small', [cx - r, cy - r, cx + r, cy + r], (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r);
  }
  for (let k = g.int(1, 3); k > 0; k--) {
    // Quadratic Bezier P0 → P2 bending towards P1; a pixel is inside when within w/2 of the sampled curve.
    const P = [0, 1, 2].map(() => [U(g, -0.05, 1.05) * S, U(g, -0.05, 1.05) * S]);
    const half = U(g, 1.1, 1.6);
    const pts: number[][] = [];
    for (let t = 0; t <= 1; t += 0.25 / S) {
      const a = (1 - t) ** 2, b = 2 * t * (1 - t), c = t * t;
      pts.push([a * P[0][0] + b * P[1][0] + c * P[2][0], a * P[0][1] + b * P[1][1] + c * P[2][1]]);
    }
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    addTarget('thin', [Math.min(...xs) - 2, Math.min(...ys) - 2, Math.max(...xs) + 2, Math.max(...ys) + 2], (x, y) =>
      pts.some(([px, py]) => (x - px) ** 2 + (y - py) ** 2 <= half * half),
    );
  }
  for (let p = 0; p < N; p++) if (instances[p]) targets[instances[p] - 1].area++;

  // Background: smooth field + gratings + soft edgeless bumps (distractors without a boundary).
  const G = 5, grid = Array.from({ length: G * G }, () => U(g, -0.08, 0.08));
  const gratings = [0, 1].map(() => [U(g, 0, Math.PI), U(g, 2, 6) / S, U(g, 0, 2 * Math.PI), U(g, 0.015, 0.035)]);
  const bumps = Array.from({ length: g.int(1, 3) }, () => [U(g, 0, S), U(g, 0, S), U(g, 0.08, 0.16) * S, U(g, 0.05, 0.1)]);
  const base = U(g, 0.25, 0.45);
  const background = new Float32Array(N);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const gx = (x / (S - 1)) * (G - 1), gy = (y / (S - 1)) * (G - 1);
      const ix = Math.min(G - 2, Math.floor(gx)), iy = Math.min(G - 2, Math.floor(gy)), fx = gx - ix, fy = gy - iy;
      let v = base +
        (1 - fy) * ((1 - fx) * grid[iy * G + ix] + fx * grid[iy * G + ix + 1]) +
        fy * ((1 - fx) * grid[(iy + 1) * G + ix] + fx * grid[(iy + 1) * G + ix + 1]);
      for (const [th, f, ph, amp] of gratings) v += amp * Math.sin(2 * Math.PI * f * (x * Math.cos(th) + y * Math.sin(th)) + ph);
      for (const [bx, by, r, amp] of bumps) v += amp * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * r * r));
      background[y * S + x] = v;
    }
  }

  // Soft edges: 3x3 box blur of the contrast map (edge pixels replicated).
  const blurred = new Float32Array(N);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const yy = Math.min(S - 1, Math.max(0, y + dy)), xx = Math.min(S - 1, Math.max(0, x + dx));
        s += contrast[yy * S + xx];
      }
      blurred[y * S + x] = s / 9;
    }
  }

  const sigma = U(g, 0.03, 0.06);
  const tint = channels === 3 ? [U(g, 0.7, 1.3), U(g, 0.7, 1.3), U(g, 0.7, 1.3)] : [1];
  const bgTint = channels === 3 ? [U(g, 0.8, 1.2), U(g, 0.8, 1.2), U(g, 0.8, 1.2)] : [1];
  const image = new Float32Array(channels * N);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < N; p++) {
      const v = background[p] * bgTint[c] + blurred[p] * tint[c] + sigma * g.normal();
      image[c * N + p] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  const mask = new Int32Array(N);
  for (let p = 0; p < N; p++) mask[p] = instances[p] ? 1 : 0;
  return { name: `synthetic/${index}`, channels, height: S, width: S, image, mask, instances, targets };
}

/** The synthetic set split into train and val: the last round(count * valFraction) samples are the validation set. */
export function loadSyntheticDataset(o: SyntheticOptions = {}): DataSplit {
  const count = o.count ?? 80, size = o.size ?? 48, channels = o.channels ?? 1, seed = o.seed ?? 0;
  if (!Number.isInteger(count) || count < 2) throw new DataError('--synthetic-count', `must be an integer >= 2, got ${count}`);
  if (!Number.isInteger(size) || size < 16) throw new DataError('--size', `synthetic images must be at least 16 pixels, got ${size}`);
  const nVal = Math.min(count - 1, Math.max(1, Math.round(count * (o.valFraction ?? 0.2))));
  const samples = Array.from({ length: count }, (_, i) => syntheticSample(seed, i, size, channels));
  return {
    train: samples.slice(0, count - nVal),
    val: samples.slice(count - nVal),
    channels,
    numClasses: 2,
    description: `synthetic (${count - nVal} train, ${nVal} val, ${size}x${size}, ${channels === 3 ? 'RGB' : 'gray'}, seed ${seed})`,
  };
}
