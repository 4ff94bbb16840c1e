/**
 * The files of a run folder, and everything written there besides checkpoints:
 *   best.safetensors, last.safetensors   weights + the model config (metadata "amsunet.config") + the data split
 *   train_state.safetensors              weights + AdamW moments + schedule + epoch/step/history, for --resume
 *   metrics.csv, curves.svg, val_overlays.png, summary.json
 * Every file is written atomically (temporary file, fsync, rename), so a crash at any moment leaves the previous
 * version intact.
 */
import { readdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/safetensors.js';
import type { ModelConfig } from '../model-config.js';
import { UsageError } from '../errors.js';
import type { TrainConfig } from './config.js';
import { STATE_FILE, type EpochRecord } from './state.js';

export interface RunFiles {
  best: string;
  last: string;
  state: string;
  metrics: string;
  curves: string;
  overlays: string;
  summary: string;
}

export function runFiles(outDir: string): RunFiles {
  const f = (name: string) => join(outDir, name);
  return {
    best: f('best.safetensors'), last: f('last.safetensors'), state: f(STATE_FILE),
    metrics: f('metrics.csv'), curves: f('curves.svg'), overlays: f('val_overlays.png'), summary: f('summary.json'),
  };
}

export interface TrainSummary {
  bestValDice: number;
  bestEpoch: number;
  epochs: number;
  epochsDone: number;
  seconds: number;
  params: number;
  finalValDice: number;
  outDir: string;
  /** False when the run stopped early (--stop-after) and can be resumed. */
  complete: boolean;
  files: Record<string, string>;
  config: TrainConfig & { size: number };
  model: ModelConfig;
  data: string;
  /** Set when --resume --epochs changed the run's length: the schedule was re-planned for the new total. */
  extended?: { fromEpochs: number; toEpochs: number; atEpoch: number; note: string };
  /** Set with --init: where the weights came from, and what --init-strict false skipped. */
  init?: { file: string; loaded: number; skipped: string[] };
}

export function defaultOutDir(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return join('runs', `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`);
}

/** A new run must not write over another run's files. */
export function checkOutDir(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out}: is a file, not a folder`);
  const taken = readdirSync(out).filter((f) => /\.(safetensors|csv|svg|png|json)$/.test(f));
  if (taken.length) throw new UsageError(`--out ${out}: folder already holds a run (${taken.slice(0, 3).join(', ')}); choose another --out, or --resume ${out}`);
}

export function metricsCsv(history: readonly EpochRecord[]): string {
  const head = 'epoch,train_loss,val_dice,val_miou,lr,seconds,img_per_s';
  const rows = history.map((h) => [h.epoch, h.trainLoss, h.valDice, h.valMeanIoU, h.lr, h.seconds, h.imgPerSec].map((v) => String(Number(Number(v).toPrecision(8)))).join(','));
  return [head, ...rows].join('\n') + '\n';
}

/** summary.json, non-finite numbers as null. */
export function writeSummary(path: string, s: TrainSummary): void {
  writeFileAtomic(path, JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
}
