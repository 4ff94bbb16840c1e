/**
 * Evaluation reports: overall metrics from the confusion matrix summed over all images, plus per-image metrics.
 * Overall `dice` is the foreground Dice of the summed matrix (pixels pooled over images); `meanImageDice` is the mean
 * of the per-image values. Overall `hd95` is the mean of the finite per-image HD95 values; `hd95Infinite` counts the
 * images where exactly one of prediction and truth is empty (their HD95 is Infinity).
 */
import { ConfusionMatrix } from './confusion.js';
import { hd95 } from './hd95.js';

export interface ImageMetrics {
  name: string;
  /** Foreground Dice of this image. */
  dice: number;
  /** Mean IoU over the foreground classes of this image. */
  iou: number;
  pixelAccuracy: number;
  sensitivity: number;
  specificity: number;
  /** Pixels; Infinity when exactly one of prediction and truth is empty, 0 when both are. */
  hd95: number;
}

export interface EvalReport {
  images: number;
  numClasses: number;
  dice: number;
  dicePerClass: number[];
  iouPerClass: number[];
  meanIoU: number;
  pixelAccuracy: number;
  sensitivity: number;
  specificity: number;
  hd95: number;
  hd95Infinite: number;
  meanImageDice: number;
  perImage: ImageMetrics[];
}

export class MetricsAccumulator {
  readonly total: ConfusionMatrix;
  readonly perImage: ImageMetrics[] = [];

  constructor(readonly numClasses: number) {
    this.total = new ConfusionMatrix(numClasses);
  }

  /** Add one image: class-id prediction and truth (255 = ignored), both H x W. */
  add(name: string, pred: ArrayLike<number>, truth: ArrayLike<number>, H: number, W: number): ImageMetrics {
    const cm = new ConfusionMatrix(this.numClasses).update(pred, truth);
    this.total.add(cm);
    const fgIoU = cm.iouPerClass().slice(1);
    const m: ImageMetrics = {
      name,
      dice: cm.foregroundDice(),
      iou: fgIoU.reduce((a, b) => a + b, 0) / fgIoU.length,
      pixelAccuracy: cm.pixelAccuracy(),
      sensitivity: cm.sensitivity(),
      specificity: cm.specificity(),
      hd95: hd95(pred, truth, H, W),
    };
    this.perImage.push(m);
    return m;
  }

  report(): EvalReport {
    const finite = this.perImage.filter((m) => Number.isFinite(m.hd95));
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    return {
      images: this.perImage.length,
      numClasses: this.numClasses,
      dice: this.total.foregroundDice(),
      dicePerClass: this.total.dicePerClass(),
      iouPerClass: this.total.iouPerClass(),
      meanIoU: this.total.meanIoU(),
      pixelAccuracy: this.total.pixelAccuracy(),
      sensitivity: this.total.sensitivity(),
      specificity: this.total.specificity(),
      hd95: finite.length ? mean(finite.map((m) => m.hd95)) : this.perImage.length ? Infinity : 0,
      hd95Infinite: this.perImage.length - finite.length,
      meanImageDice: mean(this.perImage.map((m) => m.dice)),
      perImage: this.perImage,
    };
  }
}

/** JSON.stringify replacer: non-finite numbers become null (JSON has no Infinity). */
export function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Per-image CSV: name,dice,iou,pixel_accuracy,sensitivity,specificity,hd95 (Infinity written as "inf"). */
export function perImageCsv(r: EvalReport): string {
  const fmt = (v: number) => (Number.isFinite(v) ? String(Number(v.toFixed(6))) : 'inf');
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = r.perImage.map((m) => [q(m.name), ...[m.dice, m.iou, m.pixelAccuracy, m.sensitivity, m.specificity, m.hd95].map(fmt)].join(','));
  return ['name,dice,iou,pixel_accuracy,sensitivity,specificity,hd95', ...rows].join('\n') + '\n';
}
