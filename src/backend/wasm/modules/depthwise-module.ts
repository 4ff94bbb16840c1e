/**
 * Generates the WebAssembly depth-wise gather kernel (float32), the body of a stride-1 depth-wise conv's forward
 * and input-gradient passes (see src/kernels/conv2d-depthwise.ts for the maths):
 *
 *   plane(src, srcH, srcW, dst, dstH, dstW, pad, top, left, Hp, Wp, taps, wts, T, init)
 *     dst[i, j] = init + Σ_{t<T} wts[t] · src[i + dy_t, j + dx_t]      (src outside its plane is 0)
 *
 * The source plane is first copied into `pad`, an Hp×Wp plane with a zero border (top rows, left columns), so
 * every tap is in range and the loop needs no bounds checks: taps[t] is the byte offset of tap t in the padded
 * plane, ((dy_t + top)·Wp + dx_t + left)·4. The sums run over 16 outputs at a time (four f32x4 accumulators),
 * then 4, then one, always as init + w_0·x_0 + w_1·x_1 + … in f32 with separate multiply and add, so each output's
 * bits do not depend on where it falls.
 */
import { encodeModule } from '../emit/encoding.js';
import { type Expr, FunctionBuilder, f32, f32x4, forLoop, i32, memory, v128, whileLoop } from '../emit/instructions.js';
import { heapMemoryImport } from '../features.js';

export function depthwiseModuleBytes(): Uint8Array {
  const f = new FunctionBuilder('plane', {
    src: 'i32', srcH: 'i32', srcW: 'i32', dst: 'i32', dstH: 'i32', dstW: 'i32',
    pad: 'i32', top: 'i32', left: 'i32', Hp: 'i32', Wp: 'i32', taps: 'i32', wts: 'i32', T: 'i32', init: 'f32',
  });
  const P = (n: string) => f.param(n);
  const [src, srcH, srcW, dst, dstH, dstW, pad, top, left, Hp, Wp, taps, wts, T, init] =
    ['src', 'srcH', 'srcW', 'dst', 'dstH', 'dstW', 'pad', 'top', 'left', 'Hp', 'Wp', 'taps', 'wts', 'T', 'init'].map(P);
  const r = f.local('r', 'i32'), i = f.local('i', 'i32'), j = f.local('j', 'i32'), t = f.local('t', 'i32');
  const row = f.local('row', 'i32'), out = f.local('out', 'i32'), p = f.local('p', 'i32');
  const w = f.local('w', 'v128'), initV = f.local('initV', 'v128'), ws = f.local('ws', 'f32'), accS = f.local('accS', 'f32');
  const acc = [0, 1, 2, 3].map((k) => f.local(`acc${k}`, 'v128'));
  const Wp4 = i32.shl(Wp.get(), i32.const(2));
  /** p = row + taps[t] + 4j: the address of tap t for output column j */
  const tapAddr = (): Expr => p.set(i32.add(i32.add(row.get(), i32.load(i32.add(taps.get(), i32.shl(t.get(), i32.const(2))))), i32.shl(j.get(), i32.const(2))));
  const wAt = (): Expr => v128.load32Splat(i32.add(wts.get(), i32.shl(t.get(), i32.const(2))));
  const vectors = (k: number): Expr[] => [
    ...acc.slice(0, k).map((a) => a.set(initV.get())),
    forLoop(t, i32.const(0), T.get(), 1,
      w.set(wAt()), tapAddr(),
      ...acc.slice(0, k).map((a, q) => a.set(f32x4.add(a.get(), f32x4.mul(w.get(), v128.load(p.get(), 16 * q)))))),
    ...acc.slice(0, k).map((a, q) => v128.store(i32.add(out.get(), i32.shl(j.get(), i32.const(2))), a.get(), 16 * q)),
    j.inc(4 * k),
  ];
  const scalarOne: Expr[] = [
    accS.set(init.get()),
    forLoop(t, i32.const(0), T.get(), 1,
      ws.set(f32.load(i32.add(wts.get(), i32.shl(t.get(), i32.const(2))))), tapAddr(),
      accS.set(f32.add(accS.get(), f32.mul(ws.get(), f32.load(p.get()))))),
    f32.store(i32.add(out.get(), i32.shl(j.get(), i32.const(2))), accS.get()),
    j.inc(1),
  ];
  return encodeModule(heapMemoryImport(), [f.build([
    // zero-bordered copy of the source plane
    memory.fill(pad.get(), i32.const(0), i32.shl(i32.mul(Hp.get(), Wp.get()), i32.const(2))),
    forLoop(r, i32.const(0), srcH.get(), 1,
      memory.copy(
        i32.add(pad.get(), i32.shl(i32.add(i32.mul(i32.add(r.get(), top.get()), Wp.get()), left.get()), i32.const(2))),
        i32.add(src.get(), i32.shl(i32.mul(r.get(), srcW.get()), i32.const(2))),
        i32.shl(srcW.get(), i32.const(2)))),
    initV.set(f32x4.splat(init.get())),
    forLoop(i, i32.const(0), dstH.get(), 1,
      row.set(i32.add(pad.get(), i32.mul(i.get(), Wp4))),
      out.set(i32.add(dst.get(), i32.shl(i32.mul(i.get(), dstW.get()), i32.const(2)))),
      j.set(i32.const(0)),
      whileLoop(i32.leS(i32.add(j.get(), i32.const(16)), dstW.get()), ...vectors(4)),
      whileLoop(i32.leS(i32.add(j.get(), i32.const(4)), dstW.get()), ...vectors(1)),
      whileLoop(i32.ltS(j.get(), dstW.get()), ...scalarOne)),
  ])]);
}
