import { AMSUnet, randn, noGrad, Generator } from '../../src/index.js';
import { getHeap } from '../../src/backend/index.js';
const S = Number(process.argv[2] ?? '512');
const g = new Generator(0);
const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 32, generator: g }).eval();
const x = randn([1, 3, S, S], { generator: g });
const h = getHeap() as any;
let peak = 0;
const orig = h.allocRegion.bind(h);
const sizes = new Map<number, number>();
let peakStack = '';
h.allocRegion = (bytes: number, limit?: number) => { const at = orig(bytes, limit); if (h.inUse > peak) { peak = h.inUse; peakStack = new Error().stack!; } return at; };
const origStage = h.stage.bind(h);
h.stage = (bytes: number) => { const at = origStage(bytes); sizes.set(bytes, (sizes.get(bytes) ?? 0) + 1); return at; };
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  noGrad(() => model.forward(x));
  const u = h.usage();
  console.log(`${S}: ${(performance.now() - t0).toFixed(0)} ms; peak in use ${(peak / 2 ** 20).toFixed(0)} MB, touched ${((h.usage().touchedBytes) / 2 ** 20).toFixed(0)} MB, memory ${(u.memoryBytes / 2 ** 20).toFixed(0)} MB, RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
console.log(peakStack.split('\n').filter((l) => /forward|models|ops\//.test(l)).map((l) => l.trim().replace(/\(file.*dist\//, '(')).join('\n'));
console.log('staged sizes (MB x count):', [...sizes].filter(([b]) => b > 1 << 20).map(([b, c]) => `${(b / 2 ** 20).toFixed(1)}x${c}`).join(' '));
process.exit(0);
