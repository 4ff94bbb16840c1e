/** The worker pool's round trip: wake every worker for an empty task and wait for all (decides when to run inline). */
import { getThreads, runPooled } from '../../src/backend/index.js';
import type { Suite } from '../suite.js';

export function poolLatencySuite(): Suite {
  return {
    name: 'pool round trip (empty task on every thread)',
    flops: 0,
    quick: true,
    iterations: 2000,
    configs: [{ backend: 'wasm', threads: 'all' }],
    ours: () => () => runPooled('noop', [], getThreads()),
    peers: {},
  };
}
