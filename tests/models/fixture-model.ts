/** Building AMSUnet from a whole-model golden fixture (tests/golden/model). */
import { Tensor } from '../../src/tensor/tensor.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import type { Golden } from '../golden.js';

/** An AMSUnet of the fixture's configuration with the fixture's state dict `<prefix><key>` loaded (strict). */
export function modelFromFixture(g: Golden, prefix: string): AMSUnet {
  const m = new AMSUnet({ inChannels: g.attrs.in_channels as number, numClasses: g.attrs.num_classes as number, baseC: g.attrs.base_c as number });
  const sd = new Map<string, Tensor>();
  for (const [k, t] of g.tensors) if (k.startsWith(prefix)) sd.set(k.slice(prefix.length), t);
  m.loadStateDict(sd);
  return m;
}

/** A float64 copy of a tensor (fixture inputs are float32). */
export function asFloat64(t: Tensor): Tensor {
  return new Tensor(Float64Array.from(t.data), t.shape);
}
