/**
 * The platform this process runs on: Node when `process.versions.node` is there, else the browser's. A host
 * with other needs (a test, an embedder) can install its own with `setPlatform` before the first kernel runs.
 */
import type { Platform } from './platform.js';
import { nodePlatform } from './node.js';
import { webPlatform } from './web.js';

export type { Platform, PoolWorkerHandle } from './platform.js';
export { setPoolWorkerUrl } from './web.js';

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
let current: Platform = isNode ? nodePlatform : webPlatform;

export function platform(): Platform {
  return current;
}

export function setPlatform(p: Platform): void {
  current = p;
}
