/**
 * Predict in code, as `amsunet predict` does: load weights (with the normalisation the model was trained with),
 * decode an image from bytes, segment it (sliding window at the training size), write the mask.
 * Self-contained: it first writes stand-in weights without metadata (like a PyTorch export) and an RGB image.
 *
 *   npm run build && node dist/examples/segment-file.js
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMSUnet, manualSeed, saveStateDict, encodePng, syntheticSample, loadModel, decodeImage, segmentImage, maskPixels } from '../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'amsunet-example-'));
manualSeed(0);
saveStateDict(join(dir, 'amsunet.safetensors'), new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8 })); // stand-in weights
const s = syntheticSample(0, 1, 96, 3);
const rgb = new Uint8Array(96 * 96 * 3).map((_, i) => Math.round(s.image[(i % 3) * 96 * 96 + Math.floor(i / 3)] * 255));
writeFileSync(join(dir, 'retina.png'), encodePng(rgb, 96, 96, 3));

// --- the part a user writes ---
const loaded = loadModel(join(dir, 'amsunet.safetensors'), { size: 64, mean: [0.709, 0.381, 0.224], std: [0.127, 0.079, 0.043] });
const image = decodeImage(readFileSync(join(dir, 'retina.png')), 'retina.png');
const seg = segmentImage(loaded, image); // normalised with the mean/std above, 64x64 sliding window
writeFileSync(join(dir, 'retina_mask.png'), encodePng(maskPixels(seg), seg.width, seg.height, 1));
console.log(`retina.png: ${image.width}x${image.height} ${image.format}, ${seg.numClasses} classes, tile ${seg.tile}, foreground ${(seg.foreground * 100).toFixed(1)} % → retina_mask.png`);
