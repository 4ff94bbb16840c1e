/** The printed table: one row per configuration of ours and per peer; ratios are peer ms / our ms (> 1: we are faster). */
import type { Timing } from './timing.js';

export interface Row {
  label: string;
  timing: Timing | null;
  /** why there is no timing */
  note?: string;
  peer: boolean;
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
/** ms with enough digits for sub-millisecond work */
const fmtMs = (x: number) => fmt(x, x < 0.1 ? 4 : x < 10 ? 2 : 1);

export function formatSuite(name: string, flops: number, rows: Row[]): string {
  const peers = rows.filter((r) => r.peer && r.timing);
  const header = ['', 'ms (median)', 'min..max', 'GFLOP/s', ...peers.map((p) => `vs ${p.label}`)];
  const body = rows.map((r) => {
    if (!r.timing) return [r.label, r.note ?? 'n/a', '', '', ...peers.map(() => '')];
    const t = r.timing;
    return [
      r.label,
      fmtMs(t.ms),
      `${fmtMs(t.min)}..${fmtMs(t.max)}`,
      flops ? fmt(flops / t.ms / 1e6) : '',
      ...peers.map((p) => (r.peer ? '' : `${fmt(p.timing!.ms / t.ms, 2)}x`)),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`## ${name}`, line(header), ...body.map(line)].join('\n');
}
