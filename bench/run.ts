/**
 * npm run bench [-- --quick] [--threads N] [--filter text] [--no-peers] [--peers ort,tfjsCpu,tfjsWasm,jax] [--relaxed-simd]
 * Times every suite (bench/suites) under our backend/thread configurations and in the peer libraries, in one
 * process, and prints a table per suite plus the machine, Node version, thread count and load average (other
 * processes on the machine make numbers noisy: compare medians, and look at min..max).
 *
 * --relaxed-simd = AMSUNET_RELAXED_SIMD=1: the engine turns on V8's relaxed-SIMD support (src/backend/wasm/features.ts, through src/platform/node.ts)
 * before any WebAssembly is compiled and the GEMM uses f32x4.relaxed_madd; run once with and once without to compare.
 * That is why this file only sets the variable and then loads everything else.
 */
if (process.argv.includes('--relaxed-simd')) process.env.AMSUNET_RELAXED_SIMD = '1';
const { main } = await import('./main.js');
await main();
