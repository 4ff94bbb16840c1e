/**
 * What one thread of this machine's WebAssembly can do at best: a loop of independent f32x4 multiply-adds on
 * registers (no memory), built with our own emitter. It is the ceiling every kernel's GFLOP/s is to be read against:
 *   mul + add       f32x4.mul then f32x4.add (what the default kernels use; two roundings, the same bits everywhere)
 *   relaxed madd    f32x4.relaxed_madd (one fused multiply-add on x86 with FMA; only where relaxed SIMD validates)
 * GFLOP/s count 8 per f32x4 multiply-add. Eight accumulators for mul + add (more spill), twelve for relaxed madd
 * (its latency is longer), as measured best on the machine this was written on.
 */
import { encodeModule } from '../src/backend/wasm/emit/encoding.js';
import { wasmApi } from '../src/backend/wasm/api.js';
import { type Expr, FunctionBuilder, f32, f32x4, forLoop, i32, v128 } from '../src/backend/wasm/emit/instructions.js';

function probe(relaxed: boolean): (n: number) => void {
  const ACC = relaxed ? 12 : 8;
  const f = new FunctionBuilder('peak', { n: 'i32' });
  const n = f.param('n'), i = f.local('i', 'i32'), a = f.local('a', 'v128'), out = f.local('out', 'v128');
  const acc = Array.from({ length: ACC }, (_, k) => f.local(`acc${k}`, 'v128'));
  const step: Expr[] = acc.map((x) => x.set(relaxed ? f32x4.relaxedMadd(a.get(), a.get(), x.get()) : f32x4.add(x.get(), f32x4.mul(a.get(), a.get()))));
  const body = f.build([
    a.set(f32x4.splat(f32.const(1))),
    forLoop(i, i32.const(0), n.get(), 1, ...step),
    ...acc.map((x) => out.set(f32x4.add(out.get(), x.get()))),
    v128.store(i32.const(0), out.get()), // keeps the sums alive
  ]);
  const memory = { module: 'env', field: 'memory', initialPages: 1, maximumPages: 1, shared: false };
  const api = wasmApi!;
  const exports = new api.Instance(new api.Module(encodeModule(memory, [body])), {
    env: { memory: new api.Memory({ initial: 1, maximum: 1 }) },
  }).exports as unknown as { peak(n: number): void };
  return (k) => exports.peak(k);
}

/** GFLOP/s of one thread, median of 7 runs of ~20 ms each. */
export function wasmPeakGflops(relaxed: boolean): number {
  const run = probe(relaxed), ACC = relaxed ? 12 : 8, n = 2_000_000;
  run(1000);
  const ms: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    run(n);
    ms.push(performance.now() - t0);
  }
  ms.sort((x, y) => x - y);
  return (n * ACC * 8) / ms[3] / 1e6;
}
