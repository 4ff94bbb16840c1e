/**
 * npm run bench [-- --quick] [--threads N] [--filter text] [--no-peers] [--peers ort,tfjsCpu,tfjsWasm,jax] [--no-relaxed-simd]
 * Times every suite (bench/suites) under our backend/thread configurations and in the peer libraries, in one
 * process, and prints a table per suite plus the machine, Node version, thread count and load average (other
 * processes on the machine make numbers noisy: compare medians, and look at min..max).
 *
 * The engine turns on V8's relaxed-SIMD support itself (src/platform/node-wasm-flags.ts) before any WebAssembly is
 * compiled; --no-relaxed-simd keeps the plain SIMD128 kernels (AMSUNET_RELAXED_SIMD=0), to time both.
 * That is why this file only sets the variable and then loads everything else.
 */
if (process.argv.includes('--no-relaxed-simd')) process.env.AMSUNET_RELAXED_SIMD = '0';
const { main } = await import('./main.js');
await main();
