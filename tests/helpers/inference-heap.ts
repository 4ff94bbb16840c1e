/**
 * The small AMSUnet inference case the heap-footprint tests measure: baseC 8 on one 3x128x128 image, wasm backend,
 * one thread (so the heap's numbers are this process's alone). `largest` is its largest activation, the FFN's
 * hidden map at full resolution (4·8 channels, 2 MiB).
 */
import { setBackend, setThreads } from '../../src/backend/index.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export function smallInferenceCase(): { model: AMSUnet; x: Tensor; largest: number } {
  setBackend('wasm');
  setThreads(1);
  const g = new Generator(0);
  const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8, generator: g }).eval();
  return { model, x: randn([1, 3, 128, 128], { generator: g }), largest: 4 * 8 * 128 * 128 * 4 };
}
