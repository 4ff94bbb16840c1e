/**
 * The confusion matrix of a segmentation: counts[t * K + p] = number of pixels of true class t predicted as p,
 * pixels whose truth is the ignore index (255) excluded. Every summary metric comes from it:
 *   IoU_c  = TP_c / (TP_c + FP_c + FN_c)          Dice_c = 2 TP_c / (2 TP_c + FP_c + FN_c)
 *   pixel accuracy = Σ_c TP_c / Σ counts
 *   foreground Dice = mean of Dice_c over c = 1..K-1 (the official DiceCoefficient ignores background; for two
 *   classes it is the Dice of class 1)
 *   sensitivity = TP / (TP + FN), specificity = TN / (TN + FP), with foreground = every class except 0.
 * Empty cases: a class absent from both truth and prediction has Dice = IoU = 1 (nothing to find, nothing found);
 * sensitivity with no foreground truth and specificity with no background truth are 1.
 */
export class ConfusionMatrix {
  readonly counts: Float64Array;

  constructor(readonly numClasses: number) {
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** Add one prediction/truth pair (same length; truth 255 = ignored; predictions must be in [0, K)). */
  update(pred: ArrayLike<number>, truth: ArrayLike<number>, ignoreIndex = 255): this {
    const K = this.numClasses;
    if (pred.length !== truth.length) throw new Error(`ConfusionMatrix.update: prediction has ${pred.length} pixels, truth ${truth.length}`);
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i];
      if (t === ignoreIndex) continue;
      const p = pred[i];
      if (t < 0 || t >= K || p < 0 || p >= K) throw new Error(`ConfusionMatrix.update: class id out of range 0..${K - 1} (truth ${t}, prediction ${p})`);
      this.counts[t * K + p]++;
    }
    return this;
  }

  add(other: ConfusionMatrix): this {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    return this;
  }

  private tpFpFn(c: number): [number, number, number] {
    const K = this.numClasses;
    let row = 0, col = 0;
    for (let k = 0; k < K; k++) {
      row += this.counts[c * K + k];
      col += this.counts[k * K + c];
    }
    const tp = this.counts[c * K + c];
    return [tp, col - tp, row - tp];
  }

  dicePerClass(): number[] {
    return Array.from({ length: this.numClasses }, (_, c) => {
      const [tp, fp, fn] = this.tpFpFn(c);
      return 2 * tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn);
    });
  }

  iouPerClass(): number[] {
    return Array.from({ length: this.numClasses }, (_, c) => {
      const [tp, fp, fn] = this.tpFpFn(c);
      return tp + fp + fn === 0 ? 1 : tp / (tp + fp + fn);
    });
  }

  /** Mean Dice over the foreground classes 1..K-1. */
  foregroundDice(): number {
    const d = this.dicePerClass().slice(1);
    return d.reduce((a, b) => a + b, 0) / d.length;
  }

  meanIoU(): number {
    const v = this.iouPerClass();
    return v.reduce((a, b) => a + b, 0) / v.length;
  }

  pixelAccuracy(): number {
    const K = this.numClasses;
    let diag = 0, total = 0;
    for (let t = 0; t < K; t++) for (let p = 0; p < K; p++) {
      total += this.counts[t * K + p];
      if (t === p) diag += this.counts[t * K + p];
    }
    return total === 0 ? 1 : diag / total;
  }

  /** Foreground (any class but 0) vs background counts: [TP, FP, FN, TN]. */
  binaryCounts(): [number, number, number, number] {
    const K = this.numClasses;
    let tp = 0, fp = 0, fn = 0, tn = 0;
    for (let t = 0; t < K; t++) for (let p = 0; p < K; p++) {
      const n = this.counts[t * K + p];
      if (t > 0 && p > 0) tp += n;
      else if (t === 0 && p > 0) fp += n;
      else if (t > 0) fn += n;
      else tn += n;
    }
    return [tp, fp, fn, tn];
  }

  sensitivity(): number {
    const [tp, , fn] = this.binaryCounts();
    return tp + fn === 0 ? 1 : tp / (tp + fn);
  }

  specificity(): number {
    const [, fp, , tn] = this.binaryCounts();
    return tn + fp === 0 ? 1 : tn / (tn + fp);
  }
}
