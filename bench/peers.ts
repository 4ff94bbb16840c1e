/**
 * The peer libraries, loaded once per run: @tensorflow/tfjs (its cpu backend) with @tensorflow/tfjs-backend-wasm,
 * and @jax-js/jax (wasm device). All offline: the tfjs wasm binaries are read from node_modules via setWasmPaths.
 * Notes for Node 20: tfjs-backend-wasm's threaded build needs browser blob workers, so it runs 1 thread here;
 * jax-js reads `navigator` (absent in Node 20, so a minimal one is defined) and its worker pool needs the
 * browser Worker, so it also runs 1 thread. onnxruntime-node (native, the CPU binary shipped in its npm package) is
 * the native anchor: it runs on as many threads as ours.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';

type Tf = typeof import('@tensorflow/tfjs');
type Jax = typeof import('@jax-js/jax');
type Ort = typeof import('onnxruntime-node');

export interface PeerLibs {
  tf: Tf;
  jax: Jax;
  ort: Ort;
}

export type PeerName = 'tfjsCpu' | 'tfjsWasm' | 'jax' | 'ort';

/** The library each peer needs. */
export const peerLib: Record<PeerName, keyof PeerLibs> = { tfjsCpu: 'tf', tfjsWasm: 'tf', jax: 'jax', ort: 'ort' };

export interface LoadedPeers {
  libs: Partial<PeerLibs>;
  /** why a peer is unavailable */
  missing: Partial<Record<PeerName, string>>;
  /** switch the tfjs backend before setting up a tfjs case */
  useTfBackend(name: 'cpu' | 'wasm'): Promise<boolean>;
}

/** Run `f` with console.warn/log silenced (tfjs prints a banner about tfjs-node). */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const { warn, log } = console;
  console.warn = () => {};
  console.log = () => {};
  try {
    return await f();
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

export async function loadPeers(): Promise<LoadedPeers> {
  const libs: Partial<PeerLibs> = {};
  const missing: LoadedPeers['missing'] = {};
  try {
    const tf = await quietly(() => import('@tensorflow/tfjs'));
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/]*$/, ''));
    tf.env().set('PROD', true); // no debug checks, no "install tfjs-node" banner
    libs.tf = tf;
  } catch (e) {
    missing.tfjsCpu = missing.tfjsWasm = `tfjs failed to load: ${(e as Error).message}`;
  }
  try {
    const g = globalThis as { navigator?: unknown };
    g.navigator ??= { userAgent: `Node.js ${process.version}`, hardwareConcurrency: availableParallelism() };
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`no wasm device (have ${devices.join(', ')})`);
    jax.defaultDevice('wasm');
    libs.jax = jax;
  } catch (e) {
    missing.jax = `jax-js failed to load: ${(e as Error).message}`;
  }
  try {
    libs.ort = await import('onnxruntime-node');
  } catch (e) {
    missing.ort = `onnxruntime-node failed to load: ${(e as Error).message}`;
  }
  return {
    libs,
    missing,
    async useTfBackend(name) {
      if (!libs.tf) return false;
      return quietly(async () => {
        const ok = await libs.tf!.setBackend(name);
        await libs.tf!.ready();
        return ok && libs.tf!.getBackend() === name;
      });
    },
  };
}
