import { randn, tidy, noGrad, Generator, conv2d, gelu } from '../../src/index.js';
import { setThreads } from '../../src/backend/index.js';
const threads = Number(process.argv[2] ?? '2');
setThreads(threads);
const g = new Generator(0);
const sizes = (process.argv[3] ?? '256,384,480,512').split(',').map(Number);
const C = 32;
const w1 = randn([4 * C, C, 1, 1], { generator: g }), b1 = randn([4 * C], { generator: g });
const wd = randn([4 * C, 1, 3, 3], { generator: g }), bd = randn([4 * C], { generator: g });
const w3 = randn([C, 4 * C, 1, 1], { generator: g }), b3 = randn([C], { generator: g });
for (const S of sizes) {
  const x = randn([1, C, S, S], { generator: g });
  const t = { pw: [] as number[], gelu: [] as number[], dw: [] as number[], pw3: [] as number[] };
  for (let r = 0; r < 4; r++) {
    tidy(() => noGrad(() => {
      let t0 = performance.now();
      const h = conv2d(x, w1, b1); t.pw.push(performance.now() - t0); t0 = performance.now();
      const a = gelu(h); t.gelu.push(performance.now() - t0); t0 = performance.now();
      const d = conv2d(a, wd, bd, { padding: 1, groups: 4 * C }); t.dw.push(performance.now() - t0); t0 = performance.now();
      conv2d(d, w3, b3); t.pw3.push(performance.now() - t0);
    }));
  }
  const med = (xs: number[]) => [...xs.slice(1)].sort((a, b) => a - b)[1];
  const px = S * S / 1e6;
  console.log(`${S}: ` + Object.entries(t).map(([k, v]) => `${k} ${med(v).toFixed(1)}ms (${(med(v) / px).toFixed(1)} ms/Mpx) first ${v[0].toFixed(0)}`).join(' | '));
}
process.exit(0);
