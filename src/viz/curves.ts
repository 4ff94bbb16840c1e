/**
 * curves.svg: training loss (and validation loss when known) and validation Dice per epoch, two panels side by side,
 * each with axes, "nice" tick values, grid lines and a legend. Plain SVG 1.1 text, no dependencies.
 */
export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  valLoss?: number | null;
  valDice: number;
  trainDice?: number | null;
}

interface Series {
  name: string;
  color: string;
  values: (number | null | undefined)[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Tick values inside [lo, hi] at a step of 1, 2 or 5 times a power of ten, the step giving closest to `count` intervals. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const pow = 10 ** Math.floor(Math.log10((hi - lo) / count));
  const steps = [1, 2, 5, 10].map((m) => m * pow);
  const step = steps.reduce((best, s) => (Math.abs((hi - lo) / s - count) < Math.abs((hi - lo) / best - count) ? s : best));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function panel(x0: number, y0: number, w: number, h: number, title: string, xs: number[], series: Series[], yFixed?: [number, number]): string {
  const m = { left: 52, right: 12, top: 28, bottom: 40 };
  const pw = w - m.left - m.right, ph = h - m.top - m.bottom;
  const vals = series.flatMap((s) => s.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
  let [ylo, yhi] = yFixed ?? [Math.min(...vals, Infinity), Math.max(...vals, -Infinity)];
  if (!Number.isFinite(ylo) || !Number.isFinite(yhi)) [ylo, yhi] = [0, 1];
  if (!yFixed) {
    const pad = (yhi - ylo) * 0.05 || Math.abs(yhi) * 0.1 || 1;
    ylo = Math.max(0, ylo - pad);
    yhi += pad;
  }
  const yt = niceTicks(ylo, yhi, 5);
  ylo = Math.min(ylo, yt[0]);
  yhi = Math.max(yhi, yt[yt.length - 1]);
  const xlo = xs[0] ?? 1, xhi = Math.max(xs[xs.length - 1] ?? 1, xlo + 1);
  const xt = niceTicks(xlo, xhi, Math.min(8, Math.max(1, xs.length - 1))).filter((v) => Number.isInteger(v));
  const X = (v: number) => x0 + m.left + ((v - xlo) / (xhi - xlo)) * pw;
  const Y = (v: number) => y0 + m.top + ph - ((v - ylo) / (yhi - ylo)) * ph;
  const fmt = (v: number) => String(Number(v.toPrecision(4)));
  const parts: string[] = [];
  parts.push(`<text x="${x0 + m.left + pw / 2}" y="${y0 + 18}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (const v of yt) {
    parts.push(`<line x1="${X(xlo)}" y1="${Y(v)}" x2="${X(xhi)}" y2="${Y(v)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${X(xlo) - 6}" y="${Y(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text>`);
  }
  for (const v of xt) {
    parts.push(`<line x1="${X(v)}" y1="${Y(ylo)}" x2="${X(v)}" y2="${Y(ylo) + 4}" stroke="#333"/>`);
    parts.push(`<text x="${X(v)}" y="${Y(ylo) + 16}" text-anchor="middle" font-size="11">${v}</text>`);
  }
  parts.push(`<line x1="${X(xlo)}" y1="${Y(ylo)}" x2="${X(xhi)}" y2="${Y(ylo)}" stroke="#333"/>`);
  parts.push(`<line x1="${X(xlo)}" y1="${Y(ylo)}" x2="${X(xlo)}" y2="${Y(yhi)}" stroke="#333"/>`);
  parts.push(`<text x="${x0 + m.left + pw / 2}" y="${y0 + h - 6}" text-anchor="middle" font-size="12">epoch</text>`);
  series.forEach((s, k) => {
    const pts = xs.map((x, i) => [x, s.values[i]] as const).filter((p): p is readonly [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
    if (pts.length === 0) return;
    const d = pts.map(([x, v], i) => `${i ? 'L' : 'M'}${X(x).toFixed(1)},${Y(v).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const [x, v] of pts) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(v).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const ly = y0 + m.top + 8 + k * 16, lx = x0 + m.left + pw - 110;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 24}" y="${ly + 4}" font-size="11">${esc(s.name)}</text>`);
  });
  return parts.join('\n');
}

/** The whole curves.svg document for a training history. */
export function curvesSvg(history: readonly EpochPoint[], title = 'AMSUnet training'): string {
  const W = 880, H = 340;
  const xs = history.map((h) => h.epoch);
  const loss: Series[] = [{ name: 'train loss', color: '#1f77b4', values: history.map((h) => h.trainLoss) }];
  if (history.some((h) => typeof h.valLoss === 'number')) loss.push({ name: 'val loss', color: '#ff7f0e', values: history.map((h) => h.valLoss) });
  const dice: Series[] = [{ name: 'val Dice', color: '#2ca02c', values: history.map((h) => h.valDice) }];
  if (history.some((h) => typeof h.trainDice === 'number')) dice.push({ name: 'train Dice', color: '#9467bd', values: history.map((h) => h.trainDice) });
  const best = history.reduce((b, h) => (h.valDice > b.valDice ? h : b), history[0] ?? { epoch: 0, valDice: 0, trainLoss: 0 });
  const body = [
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="${H - 4}" text-anchor="middle" font-size="11" fill="#555">${esc(title)}${history.length ? ` · best val Dice ${best.valDice.toFixed(4)} at epoch ${best.epoch}` : ''}</text>`,
    panel(0, 0, W / 2, H - 12, 'Loss', xs, loss),
    panel(W / 2, 0, W / 2, H - 12, 'Dice', xs, dice, [0, 1]),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n${body.join('\n')}\n</svg>\n`;
}
