/**
 * npm run bench [-- --quick] [--threads N] [--filter text] [--no-peers] [--peers ort,tfjsCpu,tfjsWasm,jax] [--relaxed-simd]
 * Times every suite (bench/suites) under our backend/thread configurations and in the peer libraries, in one
 * process, and prints a table per suite plus the machine, Node version, thread count and load average (other
 * processes on the machine make numbers noisy: compare medians, and look at min..max).
 *
 * --relaxed-simd turns on V8's relaxed-SIMD support (off by default in Node 20) before any WebAssembly is
 * compiled; the kernels still use f32x4.relaxed_madd only if a module using it then validates.
 * That is why this file only sets the flag and then loads everything else.
 */
import v8 from 'node:v8';

if (process.argv.includes('--relaxed-simd')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const { main } = await import('./main.js');
await main();
