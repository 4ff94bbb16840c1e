/**
 * The demo page's training worker: runs Trainer (trainer.ts) one step per task, so the page's UI thread never
 * computes and a 'stop' message is seen between steps.
 *
 *   page → worker   { type: 'start', settings?, threads? } | { type: 'stop' }
 *   worker → page   { type: 'started', steps, epochs, params, threads, backend }
 *                   { type: 'step', step }  |  { type: 'epoch', epoch }  (overlays as RGB pixel rows)
 *                   { type: 'done', checkpoint, stopped }  |  { type: 'error', message }
 *   for the tests: page → { type: 'probe', request } → { type: 'probe', result } (probes.ts)
 */
import { setThreads, threadsReady, getThreads, getBackend, imageToRgb, overlayMask } from '../src/browser.js';
import { Trainer, DEMO_SETTINGS, type TrainSettings, type EpochReport } from './trainer.js';
import { runProbe, type ProbeRequest } from './probes.js';

interface Scope {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: { data: { type: string; settings?: Partial<TrainSettings>; threads?: number; request?: ProbeRequest } }) => void): void;
}
const scope = globalThis as unknown as Scope;

let stopAsked = false;

/** Use n threads, with every pool worker up before the first kernel (a browser starts them only between tasks). */
async function useThreads(n: number | undefined): Promise<void> {
  if (!n) return;
  setThreads(n);
  await threadsReady();
}

scope.addEventListener('message', async (e) => {
  const msg = e.data;
  if (msg.type === 'stop') stopAsked = true;
  else if (msg.type === 'probe') {
    try {
      await useThreads(msg.request!.threads);
      scope.postMessage({ type: 'probe', result: runProbe(msg.request!) });
    } catch (err) {
      fail(err);
    }
  }
  else if (msg.type === 'start') {
    stopAsked = false;
    try {
      await useThreads(msg.threads);
      const trainer = new Trainer({ ...DEMO_SETTINGS, ...msg.settings });
      scope.postMessage({ type: 'started', steps: trainer.steps, epochs: trainer.settings.epochs, params: trainer.model.numParameters(), threads: getThreads(), backend: getBackend() });
      run(trainer);
    } catch (err) {
      fail(err);
    }
  }
});

/** One step per macrotask, so messages (stop) are delivered between steps. */
function run(trainer: Trainer): void {
  try {
    if (stopAsked || trainer.done) {
      const best = trainer.bestEpoch > 0 ? trainer.bestCheckpoint() : null;
      scope.postMessage({ type: 'done', checkpoint: best, stopped: !trainer.done });
      return;
    }
    const r = trainer.next();
    scope.postMessage({ type: 'step', step: r.step });
    if (r.epoch) scope.postMessage({ type: 'epoch', epoch: withPixels(r.epoch) });
    setTimeout(() => run(trainer), 0);
  } catch (err) {
    fail(err);
  }
}

/** Overlay cases as RGB pixels (image | truth | prediction), ready for the page's canvas. */
function withPixels(r: EpochReport) {
  const cases = r.overlays.map((o) => {
    const rgb = imageToRgb(o.image, o.channels, o.height, o.width);
    return {
      width: o.width, height: o.height, image: rgb,
      truth: overlayMask(rgb, o.truth, o.height, o.width, 0.45, [40, 200, 80]),
      pred: overlayMask(rgb, o.pred, o.height, o.width, 0.45, [255, 40, 40]),
    };
  });
  return { ...r, overlays: cases };
}

function fail(err: unknown): void {
  scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
