/**
 * Modules generated per geometry (a conv's tap offsets baked in as constants): compiled once per key in this
 * thread, instantiated once per ThreadContext (i.e. per heap memory). A training run meets a few dozen geometries;
 * the caches are cleared if some caller cycles through many more.
 */
import type { ThreadContext } from '../parallel/thread-context.js';
import { wasmApi } from './api.js';

const MAX_CACHED = 256;
const compiled = new Map<string, object>();
const instances = new WeakMap<ThreadContext, Map<string, unknown>>();

/** The exports of the module `bytes()` makes for `key` ('<kind>:<geometry>'), instantiated over ctx's heap. */
export function geometryExports<E>(ctx: ThreadContext, key: string, bytes: () => Uint8Array): E {
  let mine = instances.get(ctx);
  if (!mine) instances.set(ctx, (mine = new Map()));
  const have = mine.get(key);
  if (have) return have as E;
  if (!wasmApi) throw new Error('wasm: this runtime has no WebAssembly');
  if (compiled.size >= MAX_CACHED) compiled.clear();
  if (mine.size >= MAX_CACHED) mine.clear();
  let module = compiled.get(key);
  if (!module) compiled.set(key, (module = new wasmApi.Module(bytes())));
  const e = new wasmApi.Instance(module, { env: { memory: ctx.heap.memory } }).exports as E;
  mine.set(key, e);
  return e;
}
