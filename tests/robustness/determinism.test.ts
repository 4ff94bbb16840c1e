/**
 * Library-level determinism of the whole training recipe (synthetic data, seeded shuffle and augmentation, AMSUnet
 * baseC 4, AdamW, warm-up + poly, CE + Dice, per-epoch validation): the same seed gives bit-identical weights, BN
 * statistics and losses; another seed does not; a checkpoint written mid-epoch and loaded into fresh objects (built
 * from a different seed, so everything must come from the file) continues bit-identically.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { differingKeys, stateBits, tinyRun } from './tiny-training.js';

const dir = mkdtempSync(join(tmpdir(), 'rb-det-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training determinism', () => {
  const full = tinyRun({ seed: 1 });
  full.trainUntil(Infinity);
  const fullBits = stateBits(full.model);

  test('the recipe runs several steps and the loss moves', () => {
    expect(full.totalSteps).toBeGreaterThanOrEqual(4);
    expect(full.losses).toHaveLength(full.totalSteps);
    expect(full.valLosses).toHaveLength(2);
    expect(new Set(full.losses).size).toBe(full.losses.length);
  });

  test('the same seed gives bit-identical weights, buffers and losses', () => {
    const again = tinyRun({ seed: 1 });
    again.trainUntil(Infinity);
    expect(differingKeys(stateBits(again.model), fullBits)).toEqual([]);
    expect(again.losses).toEqual(full.losses);
    expect(again.valLosses).toEqual(full.valLosses);
  });

  test('another seed gives different weights', () => {
    const other = tinyRun({ seed: 2 });
    other.trainUntil(Infinity);
    const differ = differingKeys(stateBits(other.model), fullBits);
    expect(differ).toContain('in_conv.0.weight');
    expect(differ).toContain('out_conv.0.weight');
  });

  test.each([1, 3])('checkpoint after step %i (mid-epoch), resume in fresh objects: bit-identical to the uninterrupted run', (stopAt) => {
    const first = tinyRun({ seed: 1 });
    first.trainUntil(stopAt);
    const path = join(dir, `step${stopAt}.safetensors`);
    first.save(path);
    const resumed = tinyRun({ seed: 1 });
    const fresh = tinyRun({ seed: 1, initSeed: 9 }); // other initial weights: everything must come from the file
    expect(differingKeys(stateBits(fresh.model), stateBits(resumed.model)).length).toBeGreaterThan(0);
    fresh.load(path);
    expect(fresh.step).toBe(stopAt);
    fresh.trainUntil(Infinity);
    expect(fresh.losses).toEqual(full.losses);
    expect(fresh.valLosses).toEqual(full.valLosses);
    expect(differingKeys(stateBits(fresh.model), fullBits)).toEqual([]);
  });
});
