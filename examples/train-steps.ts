/** Build AMSUnet, train a few steps on random data, save, load into a fresh model, and compare logits. */
import {
  AMSUnet, AdamW, LambdaLR, warmupPoly, amsunetCriterion, manualSeed, randn, randint, noGrad,
  saveStateDict, loadStateDictFile, max, abs, sub,
} from '../src/node.js';

manualSeed(0);
const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8 });
console.log(`AMSUnet baseC 8: ${model.numParameters().toLocaleString('en-US')} parameters`);

const optimizer = new AdamW(model.parameters(), { lr: 2e-3, weightDecay: 5e-5 });
const scheduler = new LambdaLR(optimizer, warmupPoly({ itersPerEpoch: 5, epochs: 2 }));
const x = randn([2, 3, 32, 32]);
const target = randint(0, 2, [2, 32, 32]);

for (let step = 1; step <= 5; step++) {
  const loss = amsunetCriterion(model.forward(x), target); // CE + Dice, ignore index 255
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  scheduler.step();
  console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}

saveStateDict('/tmp/amsunet-b8.safetensors', model);
const copy = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8 });
copy.loadStateDict(loadStateDictFile('/tmp/amsunet-b8.safetensors').stateDict);
model.eval();
copy.eval();
const [a, b] = noGrad(() => [model.forward(x), copy.forward(x)]);
console.log(`reloaded model, max |logit difference|: ${max(abs(sub(a, b))).item()}`);
