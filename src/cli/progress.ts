/**
 * How a training run reports itself: on a terminal a live line (epoch, step/total, loss, images/s, ETA) rewritten
 * in place plus one line per finished epoch; otherwise one plain line per epoch; with --json one JSON object per
 * epoch (and the caller prints one at the end).
 */
import type { StepEvent, EpochRecord } from '../app/train.js';

export type ProgressMode = 'tty' | 'plain' | 'json';

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function epochLine(r: EpochRecord): string {
  const w = String(r.epochs).length;
  return `epoch ${String(r.epoch).padStart(w)}/${r.epochs}  loss ${r.trainLoss.toFixed(4)}  val Dice ${r.valDice.toFixed(4)}` +
    `${r.isBest ? ' *' : '  '} (best ${r.bestValDice.toFixed(4)} @${r.bestEpoch})  mIoU ${r.valMeanIoU.toFixed(4)}  lr ${r.lr.toExponential(2)}` +
    `  ${r.imgPerSec.toFixed(1)} img/s  ${formatDuration(r.seconds)}`;
}

export function stepLine(e: StepEvent): string {
  return `epoch ${e.epoch}/${e.epochs}  step ${e.step}/${e.steps}  loss ${e.loss.toFixed(4)}  ${e.imgPerSec.toFixed(1)} img/s  ETA ${formatDuration(e.eta)}`;
}

export class Progress {
  private live = false;
  private lastDraw = 0;

  constructor(
    readonly mode: ProgressMode,
    private readonly write: (s: string) => void = (s) => void process.stdout.write(s),
  ) {}

  static auto(json: boolean): Progress {
    return new Progress(json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain');
  }

  /** A free-form line (text modes) or a JSON object (json mode). */
  line(text: string, obj?: object): void {
    if (this.mode === 'json') {
      if (obj) this.write(JSON.stringify(obj, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
      return;
    }
    this.clear();
    this.write(text + '\n');
  }

  step(e: StepEvent): void {
    if (this.mode !== 'tty') return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && e.step < e.steps) return;
    this.lastDraw = now;
    const cols = process.stdout.columns || 100;
    this.write(`\r\x1b[2K${stepLine(e).slice(0, cols - 1)}`);
    this.live = true;
  }

  epoch(r: EpochRecord): void {
    this.line(epochLine(r), { event: 'epoch', ...r });
  }

  clear(): void {
    if (this.live) this.write('\r\x1b[2K');
    this.live = false;
  }
}
