/** Every suite, in report order. A new suite: a file in this folder exporting a Suite (or a factory), one line here. */
import type { Suite } from '../suite.js';
import { gemmSuite, matmulSuite } from './gemm.js';
import { poolLatencySuite } from './pool-latency.js';
import { gemmShapeSuites } from './gemm-shapes.js';
import { forwardSuite, trainStepSuite } from './amsunet.js';
import { geluSuite } from './gelu.js';
import { depthwiseSuites } from './depthwise.js';
import { convOpSuites } from './conv-ops.js';
import { everydayOpSuites } from './everyday-ops.js';

export function allSuites(quick: boolean): Suite[] {
  return [
    poolLatencySuite(),
    gemmSuite(512, true),
    matmulSuite(512, true),
    gemmSuite(1024, false),
    ...gemmShapeSuites(true),
    geluSuite(true),
    ...depthwiseSuites(true),
    // full runs only: tfjs-cpu alone needs ~30 s for the 1x11 weight gradient, past --quick's 2-minute budget
    ...(quick ? [] : convOpSuites()),
    ...(quick ? [] : everydayOpSuites()),
    forwardSuite(quick),
    trainStepSuite(8, 8, 64, quick),
    trainStepSuite(32, 2, 256, false),
  ];
}
