/**
 * A web page script using the browser entry (a bundler resolves `amsunet-ts` to it by the `browser` condition):
 * a seeded forward pass of a small AMSUnet on the page's own thread, no headers needed. For work that takes
 * longer than a frame, use createSegmenter (a Web Worker) as the demo page does.
 */
import { AMSUnet, manualSeed, randn, noGrad, argmax, getThreads, getBackend } from '../src/browser.js';

manualSeed(0);
const model = new AMSUnet({ baseC: 8 });
model.eval();
const t0 = performance.now();
const logits = noGrad(() => model.forward(randn([1, 3, 64, 64])));
const ms = performance.now() - t0;
const classes = argmax(logits, 1);
const line = `AMSUnet baseC 8 forward 1x3x64x64 in ${ms.toFixed(0)} ms on ${getThreads()} thread (${getBackend()}): logits [${logits.shape.join(', ')}], ${Array.from(classes.data).filter((c) => c === 1).length} foreground pixels`;
const out = (globalThis as { document?: { body: { textContent: string | null } } }).document;
if (out) out.body.textContent = line;
console.log(line);
