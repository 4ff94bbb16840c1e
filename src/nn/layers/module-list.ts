/** ModuleList: an indexable list of children '0', '1', ... (as torch.nn.ModuleList); it has no forward of its own. */
import type { Tensor } from '../../tensor/tensor.js';
import { ConfigError } from '../../tensor/errors.js';
import { Module } from '../module.js';

export class ModuleList<M extends Module = Module> extends Module {
  readonly #items: M[] = [];

  constructor(items: Iterable<M> = []) {
    super();
    for (const m of items) this.push(m);
  }

  push(m: M): this {
    this.child(String(this.#items.length), m);
    this.#items.push(m);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  at(i: number): M {
    const m = this.#items.at(i);
    if (!m) throw new ConfigError('ModuleList', `index ${i} is out of range for a list of ${this.#items.length}`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  forward(_x: Tensor): Tensor {
    throw new ConfigError('ModuleList', 'has no forward; call its items');
  }
}
