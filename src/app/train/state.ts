/**
 * The state of a run between steps: the per-epoch records, and the record `amsunet.train_state` of
 * train_state.safetensors, everything besides tensors that --resume needs to continue a run exactly.
 * parseTrainState checks a stored record field by field, so a damaged or hand-edited file is a DataError naming the
 * file and the field, never an internal error later in training.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../data/errors.js';
import { loadSafetensors } from '../../io/safetensors.js';
import type { EpochPoint } from '../../viz/curves.js';
import { checkModelConfig, LIMITS, shown, type ModelConfig } from '../model-config.js';
import { UsageError } from '../errors.js';
import type { TrainConfig } from './config.js';

export const TRAIN_STATE_KEY = 'amsunet.train_state';
export const STATE_FILE = 'train_state.safetensors';

/** One finished epoch, as metrics.csv, curves.svg and the --json output show it. */
export interface EpochRecord extends EpochPoint {
  epochs: number;
  valMeanIoU: number;
  lr: number;
  seconds: number;
  imgPerSec: number;
  isBest: boolean;
  bestValDice: number;
  bestEpoch: number;
}

export interface TrainState {
  config: TrainConfig & { size: number };
  modelConfig: ModelConfig;
  /** Epochs finished; with step > 0 the run stopped inside epoch `epoch` (0-based) after `step` steps. */
  epoch: number;
  step: number;
  /** The loss sum and step count of epoch `epoch` so far (mid-epoch stops), so its mean covers every step. */
  epochLoss?: { sum: number; n: number };
  history: EpochRecord[];
  bestValDice: number;
  bestEpoch: number;
  seconds: number;
}

type Check = (v: unknown) => boolean;
const int = (lo: number, hi = Number.MAX_SAFE_INTEGER): Check => (v) => Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;
const num = (ok: (x: number) => boolean = () => true): Check => (v) => typeof v === 'number' && Number.isFinite(v) && ok(v);
const oneOf = (...xs: unknown[]): Check => (v) => xs.includes(v);
const str: Check = (v) => typeof v === 'string' && v !== '';
/** A number saved by JSON.stringify, where NaN and infinities become null. */
const numOrNull: Check = (v) => v === null || typeof v === 'number';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const CONFIG_FIELDS: Record<string, [Check, string, boolean?]> = {
  model: [oneOf('amsunet', 'unet'), 'amsunet or unet', true],
  baseC: [int(...LIMITS.baseC), `an integer from ${LIMITS.baseC[0]} to ${LIMITS.baseC[1]}`, true],
  epochs: [int(1), 'an integer >= 1', true],
  batchSize: [int(1), 'an integer >= 1', true],
  lr: [num((x) => x > 0), 'a number > 0', true],
  weightDecay: [num((x) => x >= 0), 'a number >= 0', true],
  size: [int(...LIMITS.size), `an integer from ${LIMITS.size[0]} to ${LIMITS.size[1]}`, true],
  seed: [int(0), 'an integer >= 0', true],
  data: [str, 'a path'],
  masks: [str, 'a path'],
  axis: [oneOf(0, 1, 2), '0, 1 or 2'],
  maskMode: [oneOf('binary', 'index'), 'binary or index'],
  classes: [int(2, 255), 'an integer from 2 to 255'],
  valFraction: [num((x) => x > 0 && x < 1), 'a number > 0 and < 1'],
  syntheticCount: [int(2), 'an integer >= 2'],
  syntheticSize: [int(...LIMITS.size), `an integer from ${LIMITS.size[0]} to ${LIMITS.size[1]}`],
  channels: [oneOf(1, 3), '1 or 3'],
  threads: [int(1), 'an integer >= 1'],
  out: [str, 'a path'],
  stopAfter: [int(1), 'an integer >= 1'],
  overlayCases: [int(0), 'an integer >= 0'],
  init: [str, 'a path'],
  initStrict: [oneOf(true, false), 'true or false'],
  schedule: [oneOf('poly', 'constant'), 'poly or constant'],
};

const HISTORY_NUMBERS = ['trainLoss', 'valDice', 'valMeanIoU', 'lr', 'seconds', 'imgPerSec', 'bestValDice'] as const;

/** Parse and check the stored record; every problem is a DataError naming `file` and the field. */
export function parseTrainState(raw: string, file: string): TrainState {
  const bad = (what: string) => new DataError(file, `the '${TRAIN_STATE_KEY}' metadata ${what}`);
  let s: unknown;
  try {
    s = JSON.parse(raw);
  } catch {
    throw bad('is not valid JSON');
  }
  if (!isObject(s)) throw bad('is not a JSON object');
  const c = s.config;
  if (!isObject(c)) throw bad('has no config object');
  for (const [key, [ok, expected, required]] of Object.entries(CONFIG_FIELDS)) {
    if (c[key] === undefined || c[key] === null) {
      if (required) throw bad(`has no config.${key}`);
    } else if (!ok(c[key])) throw bad(`has config.${key} ${shown(c[key])} (expected ${expected})`);
  }
  checkModelConfig(s.modelConfig, (problem) => bad(`modelConfig ${problem}`));
  const epochs = c.epochs as number;
  const field = (key: string, ok: Check, expected: string) => {
    if (!ok(s[key])) throw bad(s[key] === undefined ? `has no ${key}` : `has ${key} ${shown(s[key])} (expected ${expected})`);
  };
  field('epoch', int(0, epochs), `an integer from 0 to ${epochs}`);
  field('step', int(0), 'an integer >= 0');
  field('bestValDice', numOrNull, 'a number');
  field('bestEpoch', int(0, epochs), `an integer from 0 to ${epochs}`);
  field('seconds', num((x) => x >= 0), 'a number >= 0');
  if (s.epochLoss !== undefined) {
    const l = s.epochLoss;
    if (!isObject(l) || !num()(l.sum) || !int(0)(l.n)) throw bad(`has a malformed epochLoss ${shown(l)} (expected {"sum": number, "n": count})`);
  }
  const h = s.history;
  if (!Array.isArray(h) || h.length !== s.epoch) throw bad(`has a malformed history (expected one record per finished epoch, ${s.epoch as number})`);
  h.forEach((r: unknown, i) => {
    if (!isObject(r) || r.epoch !== i + 1 || !HISTORY_NUMBERS.every((k) => numOrNull(r[k]))) throw bad(`has a malformed history record for epoch ${i + 1}`);
  });
  return s as unknown as TrainState;
}

/** Read the state of an earlier run for --resume (a train_state file, or the run folder holding one). */
export function readResumeState(path: string): { file: string; state: TrainState } {
  let file = path;
  if (existsSync(path) && statSync(path).isDirectory()) file = join(path, STATE_FILE);
  if (!existsSync(file)) throw new UsageError(`--resume ${path}: no such file${file !== path ? ` (looked for ${file})` : ''}`);
  const meta = loadSafetensors(file).metadata;
  if (!meta[TRAIN_STATE_KEY]) throw new UsageError(`--resume ${path}: ${file} is not a training state (no "${TRAIN_STATE_KEY}" metadata); pass the run's folder or its ${STATE_FILE}`);
  return { file, state: parseTrainState(meta[TRAIN_STATE_KEY], file) };
}
