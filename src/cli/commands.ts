/** The flags of every subcommand, with their ranges; --help text is generated from these. */
import type { Command, Flag } from './args.js';

const data: Flag[] = [
  { name: 'data', type: 'string', metavar: 'PATH', help: 'a dataset folder of PNG, TIFF, GIF or JPEG files (images/ + masks/, train/ and val/ with them, or DRIVE or ISIC 2018 as downloaded) or a NIfTI image volume; default: the built-in synthetic set' },
  { name: 'layout', type: 'choice', choices: ['auto', 'folder', 'drive', 'isic'], help: 'how the --data folder is laid out (auto: recognise it)', default: 'auto' },
  { name: 'masks', type: 'string', metavar: 'MASK.nii.gz', help: 'the mask volume for a NIfTI --data' },
  { name: 'axis', type: 'choice', choices: ['0', '1', '2'], help: 'NIfTI slicing axis', default: '2' },
  { name: 'mask-mode', type: 'choice', choices: ['binary', 'index'], help: 'binary: non-zero is foreground; index: value = class id, 255 = ignore', default: 'binary' },
  { name: 'synthetic-count', type: 'int', min: 2, max: 100000, metavar: 'N', help: 'images in the synthetic set (train + val)', default: '80' },
  { name: 'channels', type: 'choice', choices: ['1', '3'], help: 'synthetic images: 1 gray or 3 RGB', default: '1' },
];
const threads: Flag = { name: 'threads', type: 'int', min: 1, metavar: 'T', help: 'worker threads (main thread included)', default: 'all cores' };
const json: Flag = { name: 'json', type: 'bool', help: 'print JSON lines instead of text' };
const model: Flag = { name: 'model', type: 'choice', choices: ['amsunet', 'unet'], help: 'network', default: 'amsunet' };
const baseC: Flag = { name: 'base-c', type: 'int', min: 4, max: 1024, metavar: 'C', help: 'channels of the first stage', default: '32' };
const tta: Flag = { name: 'tta', type: 'bool', help: 'average predictions over flips' };
/** eval and predict: how to run weights that carry no amsunet.config (e.g. converted PyTorch weights). */
const withoutMetadata: Flag[] = [
  { name: 'size', type: 'int', min: 16, max: 16384, metavar: 'S', help: 'sliding-window tile for weights without our metadata', default: '480' },
  { name: 'mean', type: 'string', metavar: 'M1,M2,..', help: 'per-channel mean for weights without our metadata (default: from the images)' },
  { name: 'std', type: 'string', metavar: 'S1,S2,..', help: 'per-channel std for weights without our metadata' },
];
const debug = 'Errors print one line; --debug adds the stack trace.';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train AMSUnet (or the U-Net baseline) with the official recipe',
  usage: 'amsunet train [--data PATH] [--epochs N] [--batch-size N] [--size N] [--out DIR] [...]',
  details:
    'AdamW, one epoch of linear warm-up then poly decay, CE + Dice loss (ignore 255), random resize 0.7-1.3, flips,\n' +
    'random crop to --size, normalisation by the training mean/std; validation after each epoch, best model by\n' +
    'foreground Dice. Writes best.safetensors, last.safetensors, train_state.safetensors, metrics.csv, curves.svg,\n' +
    'val_overlays.png and summary.json into --out. Ctrl-C finishes the step, saves, and prints how to resume.\n' + debug,
  flags: [
    ...data,
    { name: 'classes', type: 'int', min: 2, max: 255, metavar: 'K', help: 'number of classes with --mask-mode index', default: 'inferred' },
    { name: 'val-fraction', type: 'number', above: 0, below: 1, metavar: 'F', help: 'validation share when there is no val/ folder', default: '0.2' },
    model,
    baseC,
    { name: 'epochs', type: 'int', min: 1, metavar: 'N', help: 'training epochs', default: '300' },
    { name: 'batch-size', type: 'int', min: 1, metavar: 'N', help: 'images per step', default: '2' },
    { name: 'lr', type: 'number', above: 0, metavar: 'LR', help: 'peak learning rate', default: '0.002' },
    { name: 'weight-decay', type: 'number', min: 0, metavar: 'WD', help: 'AdamW weight decay', default: '5e-5' },
    { name: 'size', type: 'int', min: 16, max: 16384, metavar: 'S', help: 'training crop side (synthetic: image side)', default: '48 synthetic, else min(480, smallest image)' },
    { name: 'seed', type: 'int', min: 0, metavar: 'N', help: 'seed of weights, split and augmentation', default: '0' },
    threads,
    { name: 'out', type: 'string', metavar: 'DIR', help: 'output folder', default: 'runs/<timestamp>' },
    { name: 'resume', type: 'string', metavar: 'RUN', help: 'continue a run from its folder (or its train_state.safetensors); with --epochs N, extend it to N epochs' },
    { name: 'init', type: 'string', metavar: 'CKPT', help: 'start from these weights (ours, or PyTorch weights with the official names)' },
    { name: 'init-strict', type: 'choice', choices: ['true', 'false'], help: 'false: load the --init tensors that fit, list the rest', default: 'true' },
    { name: 'schedule', type: 'choice', choices: ['poly', 'constant'], help: 'lr after the warm-up epoch: poly decay (official) or constant', default: 'poly' },
    { name: 'stop-after', type: 'int', min: 1, metavar: 'N', help: 'stop after epoch N, resumably (as if interrupted)' },
    json,
  ],
  examples: [
    'amsunet train --epochs 20 --base-c 8                       # synthetic data',
    'amsunet train --data data/drive --size 480 --epochs 300 --out runs/drive',
    'amsunet train --data ct.nii.gz --masks ct_mask.nii.gz --axis 2 --size 256',
    'amsunet train --resume runs/drive',
    'amsunet train --resume runs/drive --epochs 400                # extend a finished run',
    'amsunet train --data data/isic --init official_drive.safetensors --init-strict false',
  ],
};

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a checkpoint: Dice, IoU, accuracy, sensitivity, specificity, HD95',
  usage: 'amsunet eval --checkpoint CKPT [--data PATH] [--split val|train|all] [--csv FILE] [--json]',
  details:
    'A checkpoint written by train records its data split: without --data, or with the --data it was trained on,\n' +
    'eval scores that split\'s validation part (--split train or all for the others). Other data is scored whole\n' +
    '(its val/ folder when it has one), with a warning when some of its images are ones the model trained on.\n' +
    'dice = foreground Dice of all pixels pooled; HD95 in pixels, averaged over images where it is finite\n' +
    '(an image with exactly one of prediction and truth empty has HD95 = inf, null in JSON, and is counted apart).\n' + debug,
  flags: [
    { name: 'checkpoint', type: 'string', metavar: 'CKPT', help: 'weights (.safetensors) written by train, or PyTorch weights' },
    ...data,
    { name: 'split', type: 'choice', choices: ['val', 'train', 'all'], help: 'which part of the training data to score (checkpoints written by train)', default: 'val' },
    { name: 'csv', type: 'string', metavar: 'FILE', help: 'write per-image metrics to FILE' },
    tta,
    { name: 'seed', type: 'int', min: 0, metavar: 'N', help: 'seed of the synthetic set (as in training)', default: '0' },
    ...withoutMetadata,
    threads,
    json,
  ],
  examples: ['amsunet eval --checkpoint runs/drive/best.safetensors --data data/drive --csv per_image.csv', 'amsunet eval --checkpoint runs/demo/best.safetensors --json'],
};

const predictSize: Flag = { name: 'size', type: 'string', metavar: 'N|full', help: 'sliding-window tile side, or full: the whole image in one pass (refused when it would not fit in memory)', default: 'the training size' };

export const predictCommand: Command = {
  name: 'predict',
  summary: 'segment images with a checkpoint',
  usage: 'amsunet predict --checkpoint CKPT --input PNG|DIR --out DIR [--overlay] [--tta]',
  details:
    'Writes one mask PNG per image into --out (0/255 for two classes, class ids otherwise); with --overlay also\n' +
    '<name>_overlay.png, the prediction drawn over the image. Images larger than the tile (the training size,\n' +
    'or --size) run by sliding window with overlap and blending; --size full runs each image in one pass.\n' + debug,
  flags: [
    { name: 'checkpoint', type: 'string', metavar: 'CKPT', help: 'weights written by train' },
    { name: 'input', type: 'string', metavar: 'PNG|DIR', help: 'an image or a folder of .png images' },
    { name: 'out', type: 'string', metavar: 'DIR', help: 'output folder' },
    { name: 'overlay', type: 'bool', help: 'also write the prediction drawn over each image' },
    tta,
    predictSize,
    ...withoutMetadata.filter((f) => f.name !== 'size'),
    threads,
    json,
  ],
  examples: [
    'amsunet predict --checkpoint runs/drive/best.safetensors --input data/drive/val/images --out preds --overlay',
    'amsunet predict --checkpoint official_drive.safetensors --mean 0.709,0.381,0.224 --std 0.127,0.079,0.043 --size 480 --input img.png --out preds',
  ],
};

export const infoCommand: Command = {
  name: 'info',
  summary: 'parameter count, multiply-accumulates and per-stage output shapes of a model',
  usage: 'amsunet info [--model amsunet|unet] [--in-channels 3] [--classes 2] [--base-c 32] [--size 256x256] [--json]',
  flags: [
    model,
    { name: 'in-channels', type: 'int', min: 1, max: 64, metavar: 'C', help: 'input channels', default: '3' },
    { name: 'classes', type: 'int', min: 1, max: 255, metavar: 'K', help: 'output classes (255 is the ignore index)', default: '2' },
    baseC,
    { name: 'size', type: 'dims', min: 16, max: 16384, help: 'input size', default: '256x256' },
    { name: 'checkpoint', type: 'string', metavar: 'CKPT', help: 'describe the model of this checkpoint instead' },
    json,
  ],
  examples: ['amsunet info', 'amsunet info --base-c 8 --in-channels 1 --size 48 --json'],
};

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmark suite (ops and whole-model steps)',
  usage: 'amsunet bench [-- ARGS for the suite]',
  flags: [threads, json],
  examples: ['amsunet bench'],
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'train a small AMSUnet on the synthetic set and evaluate it (what npm start runs)',
  usage: 'amsunet demo [--out DIR] [--threads T] [--json]',
  details: 'A 3-minute end-to-end run on a 2-core machine: baseC 8, 48x48 gray synthetic images, then eval.\n' + debug,
  flags: [
    { name: 'out', type: 'string', metavar: 'DIR', help: 'output folder', default: 'runs/demo-<timestamp>' },
    { name: 'epochs', type: 'int', min: 1, metavar: 'N', help: 'override the demo epochs' },
    { name: 'seed', type: 'int', min: 0, metavar: 'N', help: 'seed', default: '0' },
    threads,
    json,
  ],
  examples: ['npm start', 'amsunet demo --out runs/demo'],
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a checkpoint as ONNX (for onnxruntime) or as PyTorch safetensors (official names)',
  usage: 'amsunet export --checkpoint CKPT --format onnx|pytorch --out FILE',
  details:
    'onnx: the eval-mode graph, opset 17, batch and spatial sizes free; input `input` [N, C, H, W] float32,\n' +
    'normalised with the mean/std that `amsunet info --checkpoint` and the export line print; output `out`, the logits.\n' +
    'pytorch: the state dict with the official AMSUnet names, as safetensors.torch.save_file writes it (load it with\n' +
    'safetensors.torch.load_file and model.load_state_dict). The file is written atomically.\n' + debug,
  flags: [
    { name: 'checkpoint', type: 'string', metavar: 'CKPT', help: 'weights (.safetensors) written by train, or PyTorch weights' },
    { name: 'format', type: 'choice', choices: ['onnx', 'pytorch'], help: 'onnx (opset 17, dynamic batch and size) or pytorch (safetensors, official names)' },
    { name: 'out', type: 'string', metavar: 'FILE', help: 'the file to write' },
    { name: 'opset', type: 'int', min: 13, max: 22, metavar: 'N', help: 'ONNX opset', default: '17' },
    json,
  ],
  examples: [
    'amsunet export --checkpoint runs/drive/best.safetensors --format onnx --out amsunet.onnx',
    'amsunet export --checkpoint runs/drive/best.safetensors --format pytorch --out amsunet_torch.safetensors',
  ],
};

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a checkpoint over HTTP: POST an image to /predict, get the mask PNG',
  usage: 'amsunet serve --checkpoint CKPT [--host 127.0.0.1] [--port 8080] [--threads T] [--max-queue N]',
  details:
    'POST /predict with the image (PNG, JPEG, TIFF or GIF) as the body returns the mask PNG; ?overlay=1 the\n' +
    'prediction drawn over the image; ?format=json the class fractions and timing. GET /health (status, queue,\n' +
    'rss) and GET /info (model, limits). Predictions run one at a time in arrival order; beyond --max-queue held\n' +
    'requests the answer is 503, a body over --max-body 413, a bad image 400, each with {"error": "..."}.\n' +
    'SIGTERM or Ctrl-C: stop accepting, answer every admitted request, exit 0.\n' + debug,
  flags: [
    { name: 'checkpoint', type: 'string', metavar: 'CKPT', help: 'weights (.safetensors) written by train, or PyTorch weights' },
    { name: 'host', type: 'string', metavar: 'ADDR', help: 'address to listen on', default: '127.0.0.1' },
    { name: 'port', type: 'int', min: 0, max: 65535, metavar: 'P', help: 'port (0: any free port, printed at start)', default: '8080' },
    threads,
    { name: 'max-queue', type: 'int', min: 1, max: 100000, metavar: 'N', help: 'requests held at once (being read, waiting or running) before 503', default: '64' },
    { name: 'max-body', type: 'number', above: 0, max: 4096, metavar: 'MB', help: 'largest request body in MiB (413 beyond)', default: '32' },
    { name: 'max-pixels', type: 'int', min: 1, metavar: 'N', help: 'largest image, width x height (400 beyond)', default: '16777216 (4096x4096)' },
    ...withoutMetadata,
    json,
  ],
  examples: [
    'amsunet serve --checkpoint runs/drive/best.safetensors --port 8080 --threads 2',
    'curl --data-binary @retina.png http://127.0.0.1:8080/predict -o mask.png',
    "curl --data-binary @retina.png 'http://127.0.0.1:8080/predict?format=json'",
  ],
};

export const commands: Command[] = [trainCommand, evalCommand, predictCommand, infoCommand, exportCommand, serveCommand, benchCommand, demoCommand];
