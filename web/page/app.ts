/**
 * The demo page: segment a dropped image with a dropped (or just trained) checkpoint, and train the small AMSUnet
 * in a Web Worker with live progress. Everything heavy runs in workers (the segmenter's and the trainer's); this
 * script only reads files, posts messages and draws. Every failure is shown in the page as one readable line.
 */
import { createSegmenter, decodeImage, overlayPixels, curvesSvg, type Segmenter, type EpochPoint } from '../../src/browser.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const isolated = globalThis.crossOriginIsolated === true;
const cores = navigator.hardwareConcurrency || 1;
/** Threads the engine may use inside a worker: workers over shared memory need cross-origin isolation. */
const maxThreads = isolated ? Math.max(1, Math.min(cores, 8)) : 1;
const defaultThreads = Math.min(maxThreads, 2);

// ---------------------------------------------------------------------------------------------------- page frame

function chip(text: string, kind = ''): HTMLElement {
  const el = document.createElement('span');
  el.className = `chip ${kind}`;
  el.textContent = text;
  return el;
}

$('env').append(
  isolated ? chip('cross-origin isolated: Web Workers over shared memory', 'ok') : chip('not isolated: one thread, ordinary memory', 'warn'),
  chip(`${cores} logical cores`),
  chip(`WebAssembly SIMD ${WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])) ? 'yes' : 'no'}`),
);

for (const id of ['seg-threads', 'train-threads']) {
  const sel = $<HTMLSelectElement>(id);
  for (let n = 1; n <= maxThreads; n++) sel.add(new Option(String(n), String(n), n === defaultThreads, n === defaultThreads));
  if (!isolated) sel.title = 'more threads need a cross-origin isolated page (npm run web serves one)';
}

for (const name of ['segment', 'train']) {
  $(`tab-${name}`).addEventListener('click', () => {
    for (const other of ['segment', 'train']) {
      $(`tab-${other}`).setAttribute('aria-selected', String(other === name));
      $(`panel-${other}`).hidden = other !== name;
    }
  });
}

function showError(id: string, e: unknown): void {
  const el = $(id);
  el.textContent = e instanceof Error ? e.message : String(e);
  el.hidden = false;
}

// Anything that escapes a handler is shown in the page, not thrown to the console.
window.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  showError('seg-error', e.reason);
});
window.addEventListener('error', (e) => {
  e.preventDefault();
  showError('seg-error', e.error ?? e.message);
});

function drawRgb(canvas: HTMLCanvasElement, rgb: Uint8Array, width: number, height: number, x = 0, y = 0): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    img.data[4 * p] = rgb[3 * p];
    img.data[4 * p + 1] = rgb[3 * p + 1];
    img.data[4 * p + 2] = rgb[3 * p + 2];
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, x, y);
}

// ---------------------------------------------------------------------------------------------------- segment

const state: {
  image: { name: string; bytes: Uint8Array } | null;
  checkpoint: { name: string; bytes: Uint8Array } | null;
  segmenter: { key: string; promise: Promise<Segmenter> } | null;
} = { image: null, checkpoint: null, segmenter: null };

async function takeFiles(files: FileList | File[]): Promise<void> {
  $('seg-error').hidden = true;
  for (const f of Array.from(files)) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (/\.safetensors$/i.test(f.name)) setCheckpoint(f.name, bytes);
    else {
      state.image = { name: f.name, bytes };
      $('image-name').textContent = `${f.name} (${(bytes.length / 1024).toFixed(1)} KB)`;
    }
  }
  updateSegmentButton();
  if (state.image && state.checkpoint) await segment();
}

function setCheckpoint(name: string, bytes: Uint8Array): void {
  state.checkpoint = { name, bytes };
  $('checkpoint-name').textContent = `${name} (${(bytes.length / 1024).toFixed(0)} KB)`;
  $('model-desc').textContent = 'loaded when segmenting';
  updateSegmentButton();
}

function updateSegmentButton(): void {
  $<HTMLButtonElement>('segment').disabled = !state.image;
}

/** The segmenter for the current checkpoint and thread count (a new worker when either changes). */
function segmenterFor(threads: number): Promise<Segmenter> {
  const ck = state.checkpoint!;
  const key = `${ck.name}:${ck.bytes.length}:${threads}`;
  if (state.segmenter?.key !== key) {
    const old = state.segmenter;
    if (old) void old.promise.then((s) => s.close(), () => undefined);
    const promise = createSegmenter({ checkpoint: ck.bytes, threads, workerUrl: new URL('./segmenter-worker.js', import.meta.url) });
    state.segmenter = { key, promise };
    promise.then(
      (s) => ($('model-desc').textContent = `${s.info.config.model} baseC ${s.info.config.baseC}, ${s.info.config.inChannels} → ${s.info.config.numClasses} channels, tile ${s.info.config.size}`),
      () => (state.segmenter = null),
    );
  }
  return state.segmenter!.promise;
}

async function segment(): Promise<void> {
  const button = $<HTMLButtonElement>('segment');
  $('seg-error').hidden = true;
  try {
    if (!state.image) throw new Error('drop an image first');
    if (!state.checkpoint) throw new Error('no checkpoint: drop a .safetensors file, or train one in the "Train in this tab" tab');
    button.disabled = true;
    $('seg-time').textContent = 'working…';
    const t0 = performance.now();
    const segmenter = await segmenterFor(Number($<HTMLSelectElement>('seg-threads').value));
    const seg = await segmenter.segment(state.image.bytes.slice(), { name: state.image.name, tta: $<HTMLInputElement>('seg-tta').checked });
    const wall = (performance.now() - t0) / 1000;
    const decoded = decodeImage(state.image.bytes, state.image.name);
    for (const id of ['seg-image', 'seg-overlay']) Object.assign($<HTMLCanvasElement>(id), { width: seg.width, height: seg.height });
    const plain = overlayPixels(decoded, { ...seg, mask: new Int32Array(seg.mask.length) });
    drawRgb($('seg-image'), plain, seg.width, seg.height);
    drawRgb($('seg-overlay'), overlayPixels(decoded, seg), seg.width, seg.height);
    $('seg-time').textContent = `${seg.seconds.toFixed(2)} s in the worker · ${wall.toFixed(2)} s in all`;
    $('seg-stats').textContent = `${seg.width}×${seg.height}, ${seg.numClasses} classes, foreground ${(seg.foreground * 100).toFixed(1)} % of pixels, tile ${seg.tile}`;
  } catch (e) {
    $('seg-time').textContent = '';
    showError('seg-error', e);
  } finally {
    updateSegmentButton();
  }
}

const drop = $('drop');
drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer) void takeFiles(e.dataTransfer.files);
});
$<HTMLInputElement>('files').addEventListener('change', (e) => void takeFiles((e.target as HTMLInputElement).files ?? []));
$('segment').addEventListener('click', () => void segment());

// ---------------------------------------------------------------------------------------------------- train

interface EpochMessage extends EpochPoint {
  epochs: number; valMeanIoU: number; lr: number; isBest: boolean; bestValDice: number; bestEpoch: number;
  overlays: { width: number; height: number; image: Uint8Array; truth: Uint8Array; pred: Uint8Array }[];
}

let trainer: Worker | null = null;
let bestCheckpoint: Uint8Array | null = null;

function trainWorker(): Worker {
  return new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: 'amsunet-train' });
}

function startTraining(): void {
  $('train-error').hidden = true;
  trainer?.terminate();
  const history: EpochMessage[] = [];
  const rows = $('epochs-table').querySelector('tbody')!;
  rows.replaceChildren();
  bestCheckpoint = null;
  for (const id of ['download', 'use-trained']) $<HTMLButtonElement>(id).disabled = true;
  $<HTMLButtonElement>('train-start').disabled = true;
  $<HTMLButtonElement>('train-stop').disabled = false;
  const epochs = Math.max(1, Math.min(100, Math.round(Number($<HTMLInputElement>('epochs').value) || 12)));
  const t0 = performance.now();
  let steps = 1;
  const w = (trainer = trainWorker());
  w.addEventListener('error', (e) => finish(new Error(`the training worker failed: ${e.message || 'it could not start'}`)));
  w.addEventListener('message', (e: MessageEvent) => {
    const m = e.data;
    if (m.type === 'started') {
      steps = m.steps;
      $('train-status').textContent = `AMSUnet baseC 8, ${m.params.toLocaleString('en-US')} parameters, ${m.threads} thread${m.threads > 1 ? 's' : ''} (${m.backend}); ${m.steps} steps per epoch`;
    } else if (m.type === 'step') {
      const s = m.step;
      const done = ((s.epoch - 1) * steps + s.step) / (epochs * steps);
      $('bar').style.width = `${(done * 100).toFixed(1)}%`;
      $('bar').parentElement!.setAttribute('aria-valuenow', (done * 100).toFixed(0));
      const best = history.length ? ` · best val Dice ${history[history.length - 1].bestValDice.toFixed(4)}` : '';
      $('train-status').textContent = `epoch ${s.epoch}/${epochs} · step ${s.step}/${s.steps} · loss ${s.loss.toFixed(4)}${best} · ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    } else if (m.type === 'epoch') {
      const r = m.epoch as EpochMessage;
      history.push(r);
      const tr = document.createElement('tr');
      for (const v of [String(r.epoch), r.trainLoss.toFixed(4), r.valDice.toFixed(4), r.valMeanIoU.toFixed(4), r.lr.toExponential(2), r.isBest ? 'best' : '']) {
        const td = document.createElement('td');
        td.textContent = v;
        if (r.isBest && v !== '') td.className = v === 'best' || v === r.valDice.toFixed(4) ? 'best' : '';
        tr.append(td);
      }
      rows.append(tr);
      $('curves').innerHTML = curvesSvg(history, 'AMSUnet baseC 8, synthetic set, in this tab');
      if (r.isBest) drawGrid(r.overlays);
    } else if (m.type === 'done') {
      bestCheckpoint = m.checkpoint;
      const last = history[history.length - 1];
      demo.training = last ? { bestValDice: last.bestValDice, bestEpoch: last.bestEpoch, epochs: history.length } : null;
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      $('train-status').textContent = last
        ? `${m.stopped ? 'stopped' : 'done'} after ${history.length} epoch${history.length > 1 ? 's' : ''} in ${seconds} s · best val Dice ${last.bestValDice.toFixed(4)} at epoch ${last.bestEpoch}`
        : `stopped before the first epoch ended (${seconds} s); nothing to download`;
      finish(null);
    } else if (m.type === 'error') finish(new Error(m.message));
  });
  w.postMessage({ type: 'start', settings: { epochs }, threads: Number($<HTMLSelectElement>('train-threads').value) });

  function finish(err: Error | null): void {
    if (err) showError('train-error', err);
    $<HTMLButtonElement>('train-start').disabled = false;
    $<HTMLButtonElement>('train-stop').disabled = true;
    for (const id of ['download', 'use-trained']) $<HTMLButtonElement>(id).disabled = !bestCheckpoint;
    w.terminate();
    if (trainer === w) trainer = null;
  }
}

/** Rows of image | truth | prediction, scaled up 3x by the canvas. */
function drawGrid(cases: EpochMessage['overlays']): void {
  const canvas = $<HTMLCanvasElement>('grid');
  if (!cases.length) return;
  const { width: w, height: h } = cases[0];
  const cols = 3, pad = 2;
  const perRow = Math.min(cases.length, 2);
  canvas.width = perRow * (cols * (w + pad) + 6);
  canvas.height = Math.ceil(cases.length / perRow) * (h + pad);
  cases.forEach((c, i) => {
    const x0 = (i % perRow) * (cols * (w + pad) + 6), y0 = Math.floor(i / perRow) * (h + pad);
    [c.image, c.truth, c.pred].forEach((rgb, k) => drawRgb(canvas, rgb, w, h, x0 + k * (w + pad), y0));
  });
  canvas.style.width = `${canvas.width * 2}px`;
}

$('train-start').addEventListener('click', startTraining);
$('train-stop').addEventListener('click', () => trainer?.postMessage({ type: 'stop' }));
$('download').addEventListener('click', () => {
  if (!bestCheckpoint) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([new Uint8Array(bestCheckpoint)], { type: 'application/octet-stream' }));
  a.download = 'best.safetensors';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});
$('use-trained').addEventListener('click', () => {
  if (!bestCheckpoint) return;
  setCheckpoint('trained in this tab', bestCheckpoint);
  $('tab-segment').click();
});

// ---------------------------------------------------------------------------------------------------- test hooks

/** For the browser tests: run one probe (a seeded forward or training steps) in a fresh training worker. */
const demo: { isolated: boolean; training: { bestValDice: number; bestEpoch: number; epochs: number } | null; probe(r: Record<string, unknown>): Promise<unknown> } = {
  isolated,
  training: null,
  probe(request: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const w = trainWorker();
      w.addEventListener('message', (e: MessageEvent) => {
        w.terminate();
        if (e.data.type === 'error') reject(new Error(e.data.message));
        else resolve(e.data);
      });
      w.addEventListener('error', (e) => (w.terminate(), reject(new Error(e.message || 'probe worker failed'))));
      w.postMessage({ type: 'probe', request });
    });
  },
};
(window as unknown as { amsunetDemo: typeof demo }).amsunetDemo = demo;
