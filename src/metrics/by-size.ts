/**
 * Detection by target size, for data that knows its objects (the synthetic set): for every target, the share of
 * its pixels predicted as foreground. Per size class: objects, objects found (at least half their pixels
 * predicted), and pixel recall = Σ predicted pixels inside targets / Σ target pixels. This is where a multi-scale
 * model should beat a plain one on small and thin targets.
 */
export interface SizeClassStats {
  objects: number;
  found: number;
  pixelRecall: number;
}

export class SizeClassAccumulator {
  private readonly stats = new Map<string, { objects: number; found: number; hit: number; area: number }>();

  /** `instances`: 0 background, else 1 + index into `targets`; `pred`: class ids (foreground = non-zero). */
  add(pred: ArrayLike<number>, instances: ArrayLike<number>, targets: readonly { size: string; area: number }[]): void {
    const hits = new Float64Array(targets.length);
    for (let p = 0; p < instances.length; p++) if (instances[p] && pred[p] > 0) hits[instances[p] - 1]++;
    targets.forEach((t, i) => {
      if (t.area === 0) return; // fully covered by later targets
      const s = this.stats.get(t.size) ?? { objects: 0, found: 0, hit: 0, area: 0 };
      s.objects++;
      if (hits[i] >= t.area / 2) s.found++;
      s.hit += hits[i];
      s.area += t.area;
      this.stats.set(t.size, s);
    });
  }

  report(): Record<string, SizeClassStats> {
    const out: Record<string, SizeClassStats> = {};
    for (const k of ['small', 'thin', 'medium', 'large', ...this.stats.keys()]) {
      const s = this.stats.get(k);
      if (s && !(k in out)) out[k] = { objects: s.objects, found: s.found, pixelRecall: s.area ? s.hit / s.area : 1 };
    }
    return out;
  }
}
