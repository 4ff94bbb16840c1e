/**
 * Generates the WebAssembly SIMD GEMM kernel: three functions over packed panels in an imported (shared) memory.
 * The blocking loops around them live in TypeScript (gemm-driver.ts), which calls these a few times per
 * cache block, so each call does thousands of multiply-adds.
 *
 *   packA(src, rs, cs, mc, kc, dst)   dst[(i/MR)·kc·MR + k·MR + i%MR] = src[i·rs + k·cs]   (rows zero-padded to MR)
 *   packB(src, cs, rs, nc, kc, dst)   dst[(j/NR)·kc·NR + k·NR + j%NR] = src[k·rs + j·cs]   (cols zero-padded to NR)
 *   macro(mc, nc, kc, pa, pb, c, ldc, overwrite, tile, bias)
 *        C[i, j] (+)= Σ_k A[i, k]·B[k, j] over the mc×nc block at c, from packed panels pa, pb; then, when bias ≠ 0,
 *        C[i, j] += bias[i] (bias: byte address of the block's first row's value) on the finished value, so the bits
 *        are those of a separate bias pass after the product
 *
 * Pointers are byte addresses, rs/cs/ldc are element strides, all float32. The micro-kernel keeps an MR×NR tile
 * of sums in MR·NR/4 v128 locals: per k it loads NR/4 vectors of B, and for each of the MR rows splats one A value
 * (v128.load32_splat) and does acc += a·b (f32x4.mul + f32x4.add, or one f32x4.relaxed_madd when enabled).
 * Every C element is summed in the same order wherever its tile falls, so splits of C are bit-identical.
 * The tiles go in blocks of MACRO_COLUMNS columns, and within a block row strip by row strip (MR rows of C), so C
 * is stored in contiguous runs of 4·MACRO_COLUMNS bytes of each row and the block's kc×MACRO_COLUMNS of packed B
 * (at most 128 KiB) stays in L2 while every row strip reads it. Column strip by column strip (the order before)
 * stored 4·NR bytes of every row of the block per strip, and with C's rows image planes of a power-of-two size
 * (1x1 convs) those rows share a cache set, so lines were evicted half-written (a 128x32 by 32x65536 product:
 * 27-35 ms CPU before, 19 ms with whole-width row strips).
 */
import { type ModuleFunction, encodeModule } from '../emit/encoding.js';
import {
  type Expr, FunctionBuilder, doWhile, f32, f32x4, forLoop, i32, ifF32, ifThen, shuffleF32, v128, whileLoop,
} from '../emit/instructions.js';

export interface GemmKernelShape {
  /** rows of the micro-tile */
  MR: number;
  /** columns of the micro-tile, a multiple of 4 */
  NR: number;
  /** use f32x4.relaxed_madd (only where it validates) */
  relaxed: boolean;
}

export const GEMM_IMPORT = { module: 'env', field: 'memory' } as const;

const minI32 = (a: Expr, b: Expr): Expr => i32.select(a, b, i32.ltS(a, b));

/** Columns of C per sweep of the macro-kernel's row strips (see the file comment). */
const MACRO_COLUMNS = 128;

/**
 * Lanes per strip of the lanes-adjacent pack path: 128 floats = 512 bytes of each source row per visit. Packing
 * 128x65536 (stride 65536) in 512-column blocks took 18.5 ms panel by panel, 14 / 10 / 7.5 ms with strips of
 * 16 / 32 / 128 lanes, 9-10 ms with 256 or 512 (medians of CPU time, shared machine).
 */
const STRIP_LANES = 128;

/**
 * pack<W>(src, laneStride, kStride, n, kc, dst): copy an n×kc block into W-lane panels,
 *   dst[(l/W)·kc·W + k·W + l%W] = src[l·laneStride + k·kStride]   (l < n; lanes past n are zero)
 * packA is W = MR with lanes = rows of op(A); packB is W = NR with lanes = columns of op(B).
 * Three paths for full panels: lanes adjacent (laneStride 1): v128 copies; k adjacent (kStride 1): load 4×4
 * blocks and transpose them with shuffles; otherwise one f32 at a time. Edge panels go one f32 at a time.
 * Lanes adjacent, the panels go in strips of STRIP_LANES lanes (several panels), k inner: each source row gives a
 * run of whole cache lines per visit. One panel at a time would read a 4·W-byte piece of each row per
 * visit; when the rows are image planes of a power-of-two size (op(B) of a 1x1 conv) they all fall in the same
 * cache set, so each line was fetched again for the next panel (in the C32 forward at 256², packB took a third
 * of the macro-kernel's time). Every path writes the same values.
 */
function packPanels(name: string, W: number): ModuleFunction {
  const f = new FunctionBuilder(name, { src: 'i32', laneStride: 'i32', kStride: 'i32', n: 'i32', kc: 'i32', dst: 'i32' });
  const [src, laneStride, kStride, n, kc, dst] = ['src', 'laneStride', 'kStride', 'n', 'kc', 'dst'].map((x) => f.param(x));
  const l = f.local('l', 'i32'), k = f.local('k', 'i32'), q = f.local('q', 'i32');
  const lanes = f.local('lanes', 'i32'), s = f.local('s', 'i32'), ls4 = f.local('ls4', 'i32'), ks4 = f.local('ks4', 'i32');
  /** byte offset of lane t from lane 0: t·laneStride·4, precomputed */
  const laneOff = Array.from({ length: W }, (_, t) => (t === 0 ? null : f.local(`lane${t}`, 'i32')));
  const laneAddr = (t: number): Expr => (t === 0 ? s.get() : i32.add(s.get(), laneOff[t]!.get()));
  const row = Array.from({ length: 4 }, (_, t) => f.local(`row${t}`, 'v128'));
  const half = Array.from({ length: 4 }, (_, t) => f.local(`half${t}`, 'v128'));

  const oneK = (): Expr[] => Array.from({ length: W }, (_, t) => f32.store(dst.get(), f32.load(laneAddr(t)), 4 * t));
  const lanesAdjacent: Expr[] = Array.from({ length: W / 4 }, (_, v) => v128.store(dst.get(), v128.load(s.get(), 16 * v), 16 * v));
  // 4×4 transpose: rows t = lanes 4g+t holding k..k+3  →  columns j = k+j holding lanes 4g..4g+3
  const transposeGroup = (g: number): Expr[] => [
    ...row.map((x, t) => x.set(v128.load(laneAddr(4 * g + t)))),
    half[0].set(shuffleF32(row[0].get(), row[1].get(), [0, 4, 1, 5])),
    half[1].set(shuffleF32(row[0].get(), row[1].get(), [2, 6, 3, 7])),
    half[2].set(shuffleF32(row[2].get(), row[3].get(), [0, 4, 1, 5])),
    half[3].set(shuffleF32(row[2].get(), row[3].get(), [2, 6, 3, 7])),
    v128.store(dst.get(), shuffleF32(half[0].get(), half[2].get(), [0, 1, 4, 5]), 16 * g),
    v128.store(dst.get(), shuffleF32(half[0].get(), half[2].get(), [2, 3, 6, 7]), 4 * W + 16 * g),
    v128.store(dst.get(), shuffleF32(half[1].get(), half[3].get(), [0, 1, 4, 5]), 8 * W + 16 * g),
    v128.store(dst.get(), shuffleF32(half[1].get(), half[3].get(), [2, 3, 6, 7]), 12 * W + 16 * g),
  ];
  const kAdjacent: Expr[] = [
    k.set(i32.const(0)),
    whileLoop(i32.leS(i32.add(k.get(), i32.const(4)), kc.get()),
      ...Array.from({ length: W / 4 }, (_, g) => transposeGroup(g)).flat(),
      s.set(i32.add(s.get(), i32.const(16))), dst.inc(16 * W), k.inc(4)),
    whileLoop(i32.ltS(k.get(), kc.get()), ...oneK(), s.set(i32.add(s.get(), ks4.get())), dst.inc(4 * W), k.inc(1)),
  ];
  const perK = (body: Expr[]): Expr => forLoop(k, i32.const(0), kc.get(), 1, ...body, s.set(i32.add(s.get(), ks4.get())), dst.inc(4 * W));
  const edge = perK([
    forLoop(q, i32.const(0), i32.const(W), 1,
      f32.store(i32.add(dst.get(), i32.shl(q.get(), i32.const(2))),
        ifF32(i32.ltS(q.get(), lanes.get()), f32.load(i32.add(s.get(), i32.mul(ls4.get(), q.get()))), f32.const(0)))),
  ]);
  const full = W % 4 === 0
    ? ifThen(i32.eq(laneStride.get(), i32.const(1)), [perK(lanesAdjacent)],
      [ifThen(i32.eq(kStride.get(), i32.const(1)), kAdjacent, [perK(oneK())])])
    : perK(oneK());
  // lanes adjacent: strips of S full panels, k inner; `s` walks down source rows, panel p of the strip is at d + p·kc·W
  const S = Math.max(1, Math.round(STRIP_LANES / W));
  const d = f.local('d', 'i32');
  const panelOff = Array.from({ length: S }, (_, p) => (p === 0 ? null : f.local(`panel${p}`, 'i32')));
  const panelAddr = (p: number): Expr => (p === 0 ? d.get() : i32.add(d.get(), panelOff[p]!.get()));
  const strips: Expr[] = W % 4 === 0 ? [
    ...panelOff.flatMap((x, p) => (x ? [x.set(i32.shl(i32.mul(kc.get(), i32.const(W * p)), i32.const(2)))] : [])),
    l.set(i32.const(0)),
    whileLoop(i32.leS(i32.add(l.get(), i32.const(S * W)), n.get()),
      s.set(i32.add(src.get(), i32.shl(l.get(), i32.const(2)))),
      d.set(i32.add(dst.get(), i32.shl(i32.mul(l.get(), kc.get()), i32.const(2)))),
      forLoop(k, i32.const(0), kc.get(), 1,
        ...Array.from({ length: S }, (_, p) => Array.from({ length: W / 4 }, (_, v) =>
          v128.store(panelAddr(p), v128.load(s.get(), 16 * (p * (W / 4) + v)), 16 * v))).flat(),
        s.set(i32.add(s.get(), ks4.get())), d.inc(4 * W)),
      l.inc(S * W)),
    dst.set(i32.add(dst.get(), i32.shl(i32.mul(l.get(), kc.get()), i32.const(2)))), // the panel loop goes on from panel l/W
  ] : [];
  return f.build([
    ls4.set(i32.shl(laneStride.get(), i32.const(2))),
    ks4.set(i32.shl(kStride.get(), i32.const(2))),
    ...laneOff.flatMap((x, t) => (x ? [x.set(i32.mul(ls4.get(), i32.const(t)))] : [])),
    // the strips leave l at the first panel they did not pack (0 when W is not a multiple of 4 or not lanes adjacent)
    l.set(i32.const(0)),
    ...(strips.length ? [ifThen(i32.eq(laneStride.get(), i32.const(1)), strips)] : []),
    forLoop(l, l.get(), n.get(), W,
      lanes.set(minI32(i32.const(W), i32.sub(n.get(), l.get()))),
      s.set(i32.add(src.get(), i32.mul(l.get(), ls4.get()))),
      ifThen(i32.eq(lanes.get(), i32.const(W)), [full], [edge]),
    ),
  ]);
}

function macro({ MR, NR, relaxed }: GemmKernelShape): ModuleFunction {
  const f = new FunctionBuilder('macro', {
    mc: 'i32', nc: 'i32', kc: 'i32', pa: 'i32', pb: 'i32', c: 'i32', ldc: 'i32', overwrite: 'i32', tile: 'i32', bias: 'i32',
  });
  const [mc, nc, kc, pa, pb, c, ldc, overwrite, tile, bias] =
    ['mc', 'nc', 'kc', 'pa', 'pb', 'c', 'ldc', 'overwrite', 'tile', 'bias'].map((n) => f.param(n));
  const bv = f.local('bv', 'v128'), bs = f.local('bs', 'f32');
  const V = NR / 4;
  const ir = f.local('ir', 'i32'), jr = f.local('jr', 'i32'), jb = f.local('jb', 'i32'), jEnd = f.local('jEnd', 'i32');
  const JB = NR * Math.ceil(MACRO_COLUMNS / NR);
  const ap = f.local('ap', 'i32'), bp = f.local('bp', 'i32'), aEnd = f.local('aEnd', 'i32');
  const row = f.local('row', 'i32'), ldc4 = f.local('ldc4', 'i32');
  const rows = f.local('rows', 'i32'), cols = f.local('cols', 'i32'), r = f.local('r', 'i32'), q = f.local('q', 'i32');
  const a = f.local('a', 'v128');
  const b = Array.from({ length: V }, (_, v) => f.local(`b${v}`, 'v128'));
  const acc = Array.from({ length: MR }, (_, i) => Array.from({ length: V }, (_, v) => f.local(`acc${i}_${v}`, 'v128')));
  const all = (fn: (i: number, v: number) => Expr): Expr[] => acc.flatMap((rowAcc, i) => rowAcc.map((_, v) => fn(i, v)));
  const madd = (x: Expr, y: Expr, z: Expr): Expr => (relaxed ? f32x4.relaxedMadd(x, y, z) : f32x4.add(z, f32x4.mul(x, y)));

  const kStep: Expr[] = [
    ...b.map((bv, v) => bv.set(v128.load(bp.get(), 16 * v))),
    ...acc.flatMap((rowAcc, i) => [a.set(v128.load32Splat(ap.get(), 4 * i)), ...rowAcc.map((x, v) => x.set(madd(a.get(), b[v].get(), x.get())))]),
    ap.inc(4 * MR),
    bp.inc(4 * NR),
  ];
  // full tile: row pointer walks down C; overwrite or add; then + bias[row] when withBias
  const storeRows = (add: boolean, withBias: boolean): Expr[] => [
    row.set(i32.add(c.get(), i32.shl(i32.add(i32.mul(ir.get(), ldc.get()), jr.get()), i32.const(2)))),
    ...acc.flatMap((rowAcc, i) => [
      ...(withBias ? [bv.set(f32x4.splat(f32.load(i32.add(bias.get(), i32.shl(ir.get(), i32.const(2))), 4 * i)))] : []),
      ...rowAcc.map((x, v) => {
        const sum = add ? f32x4.add(v128.load(row.get(), 16 * v), x.get()) : x.get();
        return v128.store(row.get(), withBias ? f32x4.add(sum, bv.get()) : sum, 16 * v);
      }),
      row.set(i32.add(row.get(), ldc4.get())),
    ]),
  ];
  const edgeSum = (): Expr => ifF32(overwrite.get(),
    f32.load(i32.add(tile.get(), i32.shl(i32.add(i32.mul(r.get(), i32.const(NR)), q.get()), i32.const(2)))),
    f32.add(f32.load(i32.add(row.get(), i32.shl(q.get(), i32.const(2)))),
      f32.load(i32.add(tile.get(), i32.shl(i32.add(i32.mul(r.get(), i32.const(NR)), q.get()), i32.const(2))))));
  // edge tile: spill the sums to `tile`, then copy the valid rows × cols
  const storeEdge: Expr[] = [
    ...all((i, v) => v128.store(tile.get(), acc[i][v].get(), 16 * (i * V + v))),
    rows.set(minI32(i32.const(MR), i32.sub(mc.get(), ir.get()))),
    cols.set(minI32(i32.const(NR), i32.sub(nc.get(), jr.get()))),
    forLoop(r, i32.const(0), rows.get(), 1,
      row.set(i32.add(c.get(), i32.shl(i32.add(i32.mul(i32.add(ir.get(), r.get()), ldc.get()), jr.get()), i32.const(2)))),
      bs.set(ifF32(bias.get(), f32.load(i32.add(bias.get(), i32.shl(i32.add(ir.get(), r.get()), i32.const(2)))), f32.const(0))),
      forLoop(q, i32.const(0), cols.get(), 1,
        f32.store(i32.add(row.get(), i32.shl(q.get(), i32.const(2))),
          // (C + sum, or sum) + bias; with no bias nothing is added (x + 0 would turn −0 into +0)
          ifF32(bias.get(), f32.add(edgeSum(), bs.get()), edgeSum())),
      ),
    ),
  ];
  return f.build([
    ldc4.set(i32.shl(ldc.get(), i32.const(2))),
    forLoop(jb, i32.const(0), nc.get(), JB,
      jEnd.set(minI32(i32.add(jb.get(), i32.const(JB)), nc.get())),
      forLoop(ir, i32.const(0), mc.get(), MR,
      forLoop(jr, jb.get(), jEnd.get(), NR,
        ap.set(i32.add(pa.get(), i32.shl(i32.mul(ir.get(), kc.get()), i32.const(2)))),
        bp.set(i32.add(pb.get(), i32.shl(i32.mul(jr.get(), kc.get()), i32.const(2)))),
        aEnd.set(i32.add(ap.get(), i32.mul(kc.get(), i32.const(4 * MR)))),
        ...all((i, v) => acc[i][v].set(v128.zero())),
        doWhile(i32.ltU(ap.get(), aEnd.get()), ...kStep),
        ifThen(i32.and(i32.geS(i32.sub(mc.get(), ir.get()), i32.const(MR)), i32.geS(i32.sub(nc.get(), jr.get()), i32.const(NR))),
          [ifThen(bias.get(),
            [ifThen(overwrite.get(), storeRows(false, true), storeRows(true, true))],
            [ifThen(overwrite.get(), storeRows(false, false), storeRows(true, false))])],
          storeEdge),
      ),
    )),
  ]);
}

/** The module bytes; import `env.memory` (shared when `sharedMemory`), export packA, packB, macro. */
export function gemmModuleBytes(shape: GemmKernelShape, sharedMemory: boolean): Uint8Array {
  if (shape.NR % 4 !== 0 || shape.MR < 1) throw new Error(`wasm gemm: NR (${shape.NR}) must be a multiple of 4`);
  const memory = { ...GEMM_IMPORT, initialPages: 1, maximumPages: 65536, shared: sharedMemory };
  return encodeModule(memory, [packPanels('packA', shape.MR), packPanels('packB', shape.NR), macro(shape)]);
}
