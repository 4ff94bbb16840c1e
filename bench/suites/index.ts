/** Every suite, in report order. A new suite: a file in this folder exporting a Suite (or a factory), one line here. */
import type { Suite } from '../suite.js';
import { gemmSuite } from './gemm.js';
import { poolLatencySuite } from './pool-latency.js';
import { gemmShapeSuites } from './gemm-shapes.js';

export function allSuites(): Suite[] {
  return [poolLatencySuite(), gemmSuite(512, true), gemmSuite(1024, false), ...gemmShapeSuites(true)];
}
