/**
 * The official training recipe at toy scale, step by step, so a run can be stopped after any step, checkpointed
 * (model + AdamW + warm-up/poly schedule + the epoch's data generator), and resumed in fresh objects:
 * synthetic data → per-epoch seeded shuffle and augmentation → AMSUnet (baseC 4) → CE + Dice (ignore 255) →
 * AdamW step → scheduler step; a validation pass (eval mode, no grad) ends each epoch.
 */
import { noGrad } from '../../src/autograd/grad-mode.js';
import { augmentSample, collate, computeNormStats, epochSeed, normalizedItem, shuffledOrder } from '../../src/data/augment.js';
import { loadSyntheticDataset } from '../../src/data/synthetic.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { AdamW } from '../../src/optim/adamw.js';
import { LambdaLR, warmupPoly } from '../../src/optim/schedulers.js';
import { Generator } from '../../src/tensor/rng.js';

export interface TinyRunOptions {
  seed: number;
  /** Seed of the model's initial weights only (default: seed); data order and augmentation follow `seed`. */
  initSeed?: number;
  epochs?: number;
  batch?: number;
  size?: number;
  count?: number;
}

export interface TinyRun {
  model: AMSUnet;
  optimizer: AdamW;
  scheduler: LambdaLR;
  /** Global step of the next training step. */
  step: number;
  readonly itersPerEpoch: number;
  readonly totalSteps: number;
  losses: number[];
  valLosses: number[];
  /** Run training steps up to (not including) global step `until`. */
  trainUntil(until: number): void;
  save(path: string): void;
  /** Restore everything from a checkpoint written by save(); the run continues from its step. */
  load(path: string): void;
}

export function tinyRun(o: TinyRunOptions): TinyRun {
  const epochs = o.epochs ?? 2, batch = o.batch ?? 2, size = o.size ?? 32;
  const data = loadSyntheticDataset({ count: o.count ?? 6, size, seed: 1000 + o.seed });
  const { mean, std } = computeNormStats(data.train);
  const itersPerEpoch = Math.floor(data.train.length / batch);
  const model = new AMSUnet({ inChannels: 1, numClasses: 2, baseC: 4, generator: new Generator(o.initSeed ?? o.seed) });
  const optimizer = new AdamW(model.parameters(), { lr: 2e-3, weightDecay: 5e-5 });
  const scheduler = new LambdaLR(optimizer, warmupPoly({ itersPerEpoch, epochs }));
  let g = new Generator(0);
  let order: number[] = [];
  const startEpoch = (epoch: number) => {
    g = new Generator(epochSeed(o.seed, epoch));
    order = shuffledOrder(data.train.length, g);
  };

  const run: TinyRun = {
    model,
    optimizer,
    scheduler,
    step: 0,
    itersPerEpoch,
    totalSteps: itersPerEpoch * epochs,
    losses: [],
    valLosses: [],
    trainUntil(until) {
      for (; run.step < Math.min(until, run.totalSteps); ) {
        const epoch = Math.floor(run.step / itersPerEpoch), i = run.step % itersPerEpoch;
        if (i === 0) startEpoch(epoch);
        const items = order.slice(i * batch, (i + 1) * batch).map((k) => augmentSample(data.train[k], { size, mean, std }, g));
        const { x, y } = collate(items);
        model.train();
        const loss = amsunetCriterion(model.forward(x), y, { ignoreIndex: 255 });
        run.losses.push(loss.item());
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        scheduler.step();
        run.step++;
        if (i === itersPerEpoch - 1) {
          model.eval();
          const { x: vx, y: vy } = collate(data.val.map((s) => normalizedItem(s, mean, std)));
          run.valLosses.push(noGrad(() => amsunetCriterion(model.forward(vx), vy, { ignoreIndex: 255 }).item()));
        }
      }
    },
    save(path) {
      const meta = { step: String(run.step), rng: JSON.stringify(g.getState()), losses: JSON.stringify(run.losses), valLosses: JSON.stringify(run.valLosses) };
      saveCheckpoint(path, { model, optimizer, scheduler }, meta);
    },
    load(path) {
      const meta = loadCheckpoint(path, { model, optimizer, scheduler });
      run.step = Number(meta.step);
      run.losses = JSON.parse(meta.losses) as number[];
      run.valLosses = JSON.parse(meta.valLosses) as number[];
      if (run.step % itersPerEpoch !== 0) {
        startEpoch(Math.floor(run.step / itersPerEpoch)); // the epoch's order, then the generator where it stopped
        g.setState(JSON.parse(meta.rng) as number[]);
      }
    },
  };
  return run;
}

/** Every state-dict tensor as raw bytes, to compare runs bit for bit. */
export function stateBits(model: AMSUnet): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, t] of model.stateDict()) out.set(k, Buffer.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))); // a copy
  return out;
}

/** Keys whose bytes differ between two runs (empty when bit-identical). */
export function differingKeys(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => !a.has(k) || !b.has(k) || !a.get(k)!.equals(b.get(k)!));
}
