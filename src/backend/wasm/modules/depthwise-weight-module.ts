/**
 * Generates the WebAssembly kernels of a stride-1 depth-wise conv's weight gradient (float32 data), the twin of
 * conv2dBackwardWeightDepthwise in src/kernels/conv2d-depthwise.ts:
 *
 *   gw[c, t] = Σ_{n, i, j} gy[n, c, i, j] · x[n, c, i + dy_t, j + dx_t]     (x read as 0 outside its plane)
 *
 *   pad(src, H, W, dst, Hp, Wp, top, left)
 *     copies the H×W plane at src into the Hp×Wp plane at dst, at row `top` and column `left`, zeros elsewhere, so
 *     that every tap of every output lands inside it: tap t of output (i, j) is dst[i·Wp + j + off_t],
 *     off_t = (dy_t + top)·Wp + dx_t + left.
 *   sums(gy, xp, oH, oW, Wp, acc, R)
 *     adds one gy plane (oH×oW) times the padded x plane xp into the sums of every tap. The module is generated per
 *     geometry: the taps' byte offsets 4·off_t are constants, so each tap costs one load at a moving pointer plus an
 *     immediate offset, a multiply and an add. Per row, 4 columns at a time: one gy vector, then for each tap
 *     a_t += gy · xp[row + j + off_t …] (f32x4, separate multiply and add), MAX_GROUP taps per pass over the row;
 *     the last oW mod 4 columns go into a scalar s_t. Every R rows (and after the last) the float32 partials are
 *     added into float64 sums at acc + 40·t: [lanes 0,1 | lanes 2,3 | scalar tail], and restarted from 0. R is
 *     chosen by the caller so a float32 partial never holds more than ~64 products per lane.
 * The caller finishes gw[c, t] = (acc0 + acc1) + (acc2 + acc3) + tail in float64, rounded once to float32.
 */
import { encodeModule } from '../emit/encoding.js';
import { type Expr, FunctionBuilder, type Local, f32, f32x4, f64, f64x2, forLoop, i32, ifThen, memory, shuffleF32, v128, whileLoop } from '../emit/instructions.js';
import { heapMemoryImport } from '../features.js';

/** Most taps one pass over a plane carries in registers (G accumulators + gy + one load of 16 xmm registers). */
export const MAX_GROUP = 12;
/** Bytes of float64 sums per tap at acc: two f64x2 (lanes 0-3) and one f64 (the scalar tail). */
export const ACC_BYTES_PER_TAP = 40;

function padFunction() {
  const f = new FunctionBuilder('pad', { src: 'i32', H: 'i32', W: 'i32', dst: 'i32', Hp: 'i32', Wp: 'i32', top: 'i32', left: 'i32' });
  const [src, H, W, dst, Hp, Wp, top, left] = ['src', 'H', 'W', 'dst', 'Hp', 'Wp', 'top', 'left'].map((n) => f.param(n));
  const r = f.local('r', 'i32');
  return f.build([
    memory.fill(dst.get(), i32.const(0), i32.shl(i32.mul(Hp.get(), Wp.get()), i32.const(2))),
    forLoop(r, i32.const(0), H.get(), 1,
      memory.copy(
        i32.add(dst.get(), i32.shl(i32.add(i32.mul(i32.add(r.get(), top.get()), Wp.get()), left.get()), i32.const(2))),
        i32.add(src.get(), i32.shl(i32.mul(r.get(), W.get()), i32.const(2))),
        i32.shl(W.get(), i32.const(2)))),
  ]);
}

/**
 * sums(gy, xp, oH, oW, Wp, acc, R) for the taps at byte offsets `offs` (constants of this module, so every load
 * is one moving pointer plus an immediate offset), MAX_GROUP taps per pass over the gy plane.
 */
function sumsFunction(offs: readonly number[]) {
  const f = new FunctionBuilder('sums', { gy: 'i32', xp: 'i32', oH: 'i32', oW: 'i32', Wp: 'i32', acc: 'i32', R: 'i32' });
  const [gy, xp, oH, oW, Wp, acc, R] = ['gy', 'xp', 'oH', 'oW', 'Wp', 'acc', 'R'].map((n) => f.param(n));
  const i = f.local('i', 'i32'), rows = f.local('rows', 'i32');
  const pg = f.local('pg', 'i32'), px = f.local('px', 'i32'), end4 = f.local('end4', 'i32'), end = f.local('end', 'i32');
  const g = f.local('g', 'v128'), gs = f.local('gs', 'f32');
  const G = Math.min(MAX_GROUP, offs.length);
  const a: Local[] = [...Array(G).keys()].map((k) => f.local(`a${k}`, 'v128'));
  const s: Local[] = [...Array(G).keys()].map((k) => f.local(`s${k}`, 'f32'));
  const body: Expr[] = [];
  for (let t0 = 0; t0 < offs.length; t0 += MAX_GROUP) {
    const ks = [...Array(Math.min(MAX_GROUP, offs.length - t0)).keys()];
    const zero = (): Expr[] => ks.flatMap((k) => [a[k].set(v128.zero()), s[k].set(f32.const(0))]);
    /** acc[t] += the float32 partials of tap t (lanes 0,1 | lanes 2,3 | tail) */
    const flush = (): Expr[] => ks.flatMap((k) => {
      const at = acc.get(), o = ACC_BYTES_PER_TAP * (t0 + k);
      return [
        v128.store(at, f64x2.add(v128.load(at, o), f64x2.promoteLow(a[k].get())), o),
        v128.store(at, f64x2.add(v128.load(at, o + 16), f64x2.promoteLow(shuffleF32(a[k].get(), a[k].get(), [2, 3, 0, 1]))), o + 16),
        f64.store(at, f64.add(f64.load(at, o + 32), f64.promoteF32(s[k].get())), o + 32),
      ];
    });
    body.push(
      ...zero(),
      rows.set(i32.const(0)),
      forLoop(i, i32.const(0), oH.get(), 1,
        // pg walks the gy row, px the same columns of the padded x row; tap t is at px + offs[t]
        pg.set(i32.add(gy.get(), i32.shl(i32.mul(i.get(), oW.get()), i32.const(2)))),
        px.set(i32.add(xp.get(), i32.shl(i32.mul(i.get(), Wp.get()), i32.const(2)))),
        end4.set(i32.add(pg.get(), i32.shl(i32.and(oW.get(), i32.const(~3)), i32.const(2)))),
        end.set(i32.add(pg.get(), i32.shl(oW.get(), i32.const(2)))),
        whileLoop(i32.ltU(pg.get(), end4.get()),
          g.set(v128.load(pg.get())),
          ...ks.map((k) => a[k].set(f32x4.add(a[k].get(), f32x4.mul(g.get(), v128.load(px.get(), offs[t0 + k]))))),
          pg.inc(16), px.inc(16)),
        whileLoop(i32.ltU(pg.get(), end.get()),
          gs.set(f32.load(pg.get())),
          ...ks.map((k) => s[k].set(f32.add(s[k].get(), f32.mul(gs.get(), f32.load(px.get(), offs[t0 + k]))))),
          pg.inc(4), px.inc(4)),
        rows.inc(1),
        ifThen(i32.or(i32.eq(rows.get(), R.get()), i32.eq(i.get(), i32.sub(oH.get(), i32.const(1)))), [
          ...flush(), ...zero(), rows.set(i32.const(0)),
        ])),
    );
  }
  return f.build(body);
}

/** The module for one geometry: `offs` are the taps' byte offsets in the padded plane (all ≥ 0). */
export function depthwiseWeightModuleBytes(offs: readonly number[]): Uint8Array {
  return encodeModule(heapMemoryImport(), [padFunction(), sumsFunction(offs)]);
}
