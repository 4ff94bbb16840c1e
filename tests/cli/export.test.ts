/**
 * `amsunet export` through the built command (run `npx tsc -p tsconfig.json` before running this file alone):
 * the ONNX file runs in onnxruntime-web (wasm, one thread) with our logits, the pytorch file reloads bit for bit,
 * and bad input is one line with no file left behind.
 */
import { describe, expect, test, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { Generator } from '../../src/tensor/rng.js';
import { randn } from '../../src/tensor/create.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { saveStateDict, saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { configMetadata, type ModelConfig } from '../../src/app/model-config.js';
import { loadModel } from '../../src/app/load-model.js';
import { AdamW } from '../../src/optim/adamw.js';
import { maxAbsDiffTensors as maxAbsDiff, onnxSchema, randomizeBatchNorm, runOnnx } from '../onnx/ort.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
let base: string, ckpt: string, model: AMSUnet;
const config: ModelConfig = { model: 'amsunet', inChannels: 3, numClasses: 2, baseC: 4, size: 32, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3], maskMode: 'binary' };

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: base, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The bytes of every tensor of a .safetensors file, by name, with its file dtype and shape. */
function rawTensors(file: string): Map<string, { dtype: string; shape: number[]; bytes: string }> {
  const f = loadSafetensors(file);
  const out = new Map<string, { dtype: string; shape: number[]; bytes: string }>();
  for (const [k, t] of f.tensors) {
    const d = t.data as Float32Array | Int32Array;
    out.set(k, { dtype: f.dtypes.get(k)!, shape: [...t.shape], bytes: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex') });
  }
  return out;
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -p tsconfig.json first`);
  base = mkdtempSync(join(tmpdir(), 'amsunet-export-'));
  model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: new Generator(3) });
  randomizeBatchNorm(model, 7); // non-trivial running statistics: a wrong BatchNorm export cannot hide
  model.eval();
  ckpt = join(base, 'best.safetensors');
  saveStateDict(ckpt, model, configMetadata(config));
});

describe('amsunet export --format onnx', () => {
  test('runs in onnxruntime-web with our logits (within 1e-5) at other batch and spatial sizes', async () => {
    const out = join(base, 'model.onnx');
    const r = cli('export', '--checkpoint', ckpt, '--format', 'onnx', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote .*model\.onnx \(\d+\.\d\d MB\): ONNX opset 17, input 'input' \[N, 3, H, W\] float32, output 'out' \[N, 2, H, W\] logits; normalise inputs with mean \[0\.5, 0\.4, 0\.3\]/);
    const bytes = new Uint8Array(readFileSync(out));
    const proto = onnxSchema.ModelProto.toObject(onnxSchema.ModelProto.decode(bytes), { longs: Number, defaults: false });
    expect(proto.opsetImport).toEqual([{ version: 17 }]);
    expect(proto.graph.input[0].type.tensorType.shape.dim.map((d: { dimValue?: number; dimParam?: string }) => d.dimValue ?? d.dimParam)).toEqual(['N', 3, 'H', 'W']);
    for (const shape of [[1, 3, 32, 32], [2, 3, 37, 53]] as const) {
      const x = randn([...shape], { generator: new Generator(shape[2]) });
      const ours = noGrad(() => model.forward(x)) as Tensor;
      const theirs = await runOnnx(bytes, x);
      expect(theirs.shape).toEqual([shape[0], 2, shape[2], shape[3]]);
      expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
    }
  }, 120_000);
});

describe('amsunet export --format pytorch', () => {
  test('official names, PyTorch dtypes, and a bit-identical round trip through our loader', () => {
    const out = join(base, 'torch.safetensors');
    const r = cli('export', '--checkpoint', ckpt, '--format', 'pytorch', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/safetensors, 427 tensors with the official PyTorch names \(state_dict of amsunet in_channels=3, num_classes=2, base_c=4\)/);
    const a = rawTensors(ckpt), b = rawTensors(out);
    expect([...b.keys()]).toEqual([...model.stateDict().keys()]); // PyTorch's state_dict order
    expect([...b.keys()]).toContain('down1.2.attn.conv1.weight');
    expect(b).toEqual(a);
    expect(loadSafetensors(out).dtypes.get('in_conv.1.num_batches_tracked')).toBe('I64');
    const back = loadModel(out);
    expect(back.config).toEqual(config);
    for (const [k, t] of back.model.stateDict()) expect(Buffer.from((t.data as Float32Array).buffer).equals(Buffer.from((model.stateDict().get(k)!.data as Float32Array).buffer)), k).toBe(true);
  });

  test("the key set, shapes and dtypes are the official model's state_dict (PyTorch 2.13 golden), so load_state_dict(strict=True) takes it", () => {
    // the golden was written from the official AMSUnet(in_channels=3, num_classes=2, base_c=8): its 'state.*' tensors
    // are that model's state_dict; PyTorch's strict load needs exactly these names with these shapes
    const official = new Map([...rawTensors(join(process.cwd(), 'tests/golden/model/model_b8_in3_c2_2x3x64x64.safetensors'))]
      .filter(([k]) => k.startsWith('state.')).map(([k, t]) => [k.slice('state.'.length), `${t.dtype === 'F64' ? 'F32' : t.dtype} [${t.shape.join(', ')}]`]));
    const b8 = join(base, 'b8.safetensors'), out = join(base, 'b8-torch.safetensors');
    saveStateDict(b8, new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8, generator: new Generator(5) }), configMetadata({ ...config, baseC: 8 }));
    expect(cli('export', '--checkpoint', b8, '--format', 'pytorch', '--out', out).code).toBe(0);
    const ours = new Map([...rawTensors(out)].map(([k, t]) => [k, `${t.dtype} [${t.shape.join(', ')}]`]));
    expect(official.size).toBe(427);
    expect([...ours.keys()].sort()).toEqual([...official.keys()].sort());
    for (const [k, desc] of official) expect(ours.get(k), k).toBe(desc);
  });

  test('a training state file loses its optimizer tensors', () => {
    const state = join(base, 'train_state.safetensors');
    const m = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: new Generator(3) });
    const opt = new AdamW(m.parameters(), { lr: 1e-3 });
    for (const p of m.parameters()) p.grad = new Tensor(new Float32Array(p.size).fill(0.01), p.shape);
    opt.step();
    saveCheckpoint(state, { model: m, optimizer: opt }, configMetadata(config));
    expect([...loadSafetensors(state).tensors.keys()].some((k) => k.startsWith('optimizer.'))).toBe(true);
    const out = join(base, 'from-state.safetensors');
    expect(cli('export', '--checkpoint', state, '--format', 'pytorch', '--out', out).code).toBe(0);
    const keys = [...loadSafetensors(out).tensors.keys()];
    expect(keys).toEqual([...m.stateDict().keys()]);
  });
});

describe('amsunet export: bad input is one line and leaves no file', () => {
  const oneLine = (r: { err: string }) => expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  const noLeftovers = (dir: string) => expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

  test('missing checkpoint, unknown format, missing flags', () => {
    const out = join(base, 'bad.onnx');
    let r = cli('export', '--checkpoint', join(base, 'nope.safetensors'), '--format', 'onnx', '--out', out);
    expect(r.code).toBe(1);
    oneLine(r);
    expect(r.err).toMatch(/^amsunet export: .*nope\.safetensors: cannot read \(ENOENT\)/);
    r = cli('export', '--checkpoint', ckpt, '--format', 'tflite', '--out', out);
    expect(r.code).toBe(2);
    oneLine(r);
    expect(r.err).toMatch(/--format.*onnx.*pytorch/);
    r = cli('export', '--checkpoint', ckpt, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toBe('amsunet export: --format is required (onnx or pytorch)\n');
    r = cli('export', '--checkpoint', ckpt, '--format', 'onnx');
    expect(r.err).toBe('amsunet export: --out is required (the file to write)\n');
    const junk = join(base, 'junk.safetensors');
    writeFileSync(junk, 'not a safetensors file');
    r = cli('export', '--checkpoint', junk, '--format', 'pytorch', '--out', out);
    expect(r.code).toBe(1);
    oneLine(r);
    expect(r.err).toContain('junk.safetensors');
    expect(existsSync(out)).toBe(false);
    noLeftovers(base);
  });

  test('unwritable --out: missing folder, a folder, a read-only folder', () => {
    let r = cli('export', '--checkpoint', ckpt, '--format', 'onnx', '--out', join(base, 'no/such/dir/m.onnx'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^amsunet export: .*m\.onnx: cannot write the --out file: its folder does not exist \(ENOENT\)\n$/);
    const dir = join(base, 'adir');
    mkdirSync(dir);
    r = cli('export', '--checkpoint', ckpt, '--format', 'pytorch', '--out', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/adir: cannot write the --out file: is a folder, not a file \(EISDIR\)\n$/);
    const file = join(base, 'afile');
    writeFileSync(file, 'x');
    r = cli('export', '--checkpoint', ckpt, '--format', 'onnx', '--out', join(file, 'm.onnx'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/afile\/m\.onnx: cannot write the --out file: part of the path is a file, not a folder \(ENOTDIR\)\n$/);
    if (process.getuid?.() !== 0) {
      // root ignores mode bits, so this case only runs for other users
      const ro = join(base, 'readonly');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      try {
        r = cli('export', '--checkpoint', ckpt, '--format', 'onnx', '--out', join(ro, 'm.onnx'));
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/m\.onnx: cannot write the --out file: permission denied \(EACCES\)\n$/);
        expect(readdirSync(ro)).toEqual([]);
      } finally {
        chmodSync(ro, 0o755);
      }
    }
    noLeftovers(base);
  });
});
