"""
PyTorch peer of `npm run bench`'s whole-model suites: the same AMSUnet (shared/AMSUNET.md, the official module tree)
timed in PyTorch on the same cores, so the README can put PyTorch's time beside ours from the same machine.

    python3 bench/pytorch/amsunet_bench.py [--threads 2] [--reps 5] [--base-c 32]

Prints the torch version, the thread count, and the median (min..max) of
  - eval forward, 1x3x256x256, under torch.no_grad()
  - train step, 2x3x256x256: zero_grad, forward (train mode), CE (weight [1, 1], ignore 255) + Dice over the softmax,
    backward, AdamW(lr 1e-3) step  -- the bench's "train step" suite.
Needs only torch (CPU). Where pip reaches PyPI: `pip install torch --index-url <the CPU wheel index>`; on Debian:
`apt-get install python3-torch` and run it with /usr/bin/python3 (Debian 12 ships torch 1.13.1).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def dw(dim, k, pad, dil=1):
    return nn.Conv2d(dim, dim, k, padding=pad, dilation=dil, groups=dim)


class AMS(nn.Module):
    def __init__(self, dim, d):
        super().__init__()
        self.conv = dw(dim, 3, 1)
        self.conv0 = dw(dim, 3, d, d)
        self.conv0_1, self.conv0_2 = dw(dim, (1, 5), (0, 2)), dw(dim, (5, 1), (2, 0))
        self.conv1_1, self.conv1_2 = dw(dim, (1, 7), (0, 3)), dw(dim, (7, 1), (3, 0))
        self.conv2_1, self.conv2_2 = dw(dim, (1, 11), (0, 5)), dw(dim, (11, 1), (5, 0))
        self.conv3 = nn.Conv2d(dim, dim, 1)

    def forward(self, x):
        a = self.conv(x)
        b = self.conv0(a)
        s = a + b + self.conv0_2(self.conv0_1(b)) + self.conv1_2(self.conv1_1(b)) + self.conv2_2(self.conv2_1(b))
        return self.conv3(s) * x


class Attention(nn.Module):
    def __init__(self, d, dil):
        super().__init__()
        self.conv1, self.act, self.ams, self.conv2 = nn.Conv2d(d, d, 1), nn.GELU(), AMS(d, dil), nn.Conv2d(d, d, 1)

    def forward(self, x):
        return self.conv2(self.ams(self.act(self.conv1(x))))


class FFN(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv1 = nn.Conv2d(d, 4 * d, 1)
        self.conv2 = nn.Conv2d(4 * d, 4 * d, 3, padding=1, groups=4 * d)
        self.act = nn.GELU()
        self.conv3 = nn.Conv2d(4 * d, d, 1)

    def forward(self, x):
        return self.conv3(self.act(self.conv2(self.conv1(x))))


class AMSE(nn.Module):
    def __init__(self, dim, dil):
        super().__init__()
        self.bn1, self.attn, self.bn2, self.ffn, self.act = nn.BatchNorm2d(dim), Attention(dim, dil), nn.BatchNorm2d(dim), FFN(dim), nn.GELU()

    def forward(self, x):
        return self.act(x + self.ffn(self.bn2(self.attn(self.bn1(x)))))


def down(cin, cout, dil):
    return nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 2, stride=2), AMSE(cout, dil))


class SpatialAttention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.squeeze = nn.Conv2d(dim, 1, 1, bias=False)

    def forward(self, x):
        return x * torch.sigmoid(self.squeeze(x))


class ChannelAttention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(dim, dim // 4, 1), nn.Conv2d(dim // 4, dim, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.conv2(F.relu(self.conv1(x.mean((2, 3), keepdim=True)))))


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        half = cin // 2
        self.norm = nn.BatchNorm2d(half)
        self.conv = nn.Sequential(AMSE(cout, 1))
        self.satt, self.catt = SpatialAttention(half), ChannelAttention(half)
        self.conv1x1 = nn.Conv2d(cin, cout, 1)

    def forward(self, x1, x2):
        x1 = F.interpolate(self.norm(x1), scale_factor=2, mode="bilinear", align_corners=True)
        dy, dx = x2.shape[2] - x1.shape[2], x2.shape[3] - x1.shape[3]
        x1 = F.pad(x1, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        x2 = x2 + self.satt(x2) * self.catt(x2)
        return self.conv(self.conv1x1(torch.cat([x2, x1], 1)))


class AMSUnet(nn.Module):
    def __init__(self, cin=3, classes=2, C=32):
        super().__init__()
        self.in_conv = nn.Sequential(nn.Conv2d(cin, C, 3, padding=1, padding_mode="reflect"), nn.BatchNorm2d(C), nn.GELU(), AMSE(C, 1))
        self.down1, self.down2, self.down3, self.down4 = down(C, 2 * C, 1), down(2 * C, 4 * C, 1), down(4 * C, 8 * C, 3), down(8 * C, 8 * C, 5)
        self.up1, self.up2, self.up3, self.up4 = Up(16 * C, 4 * C), Up(8 * C, 2 * C), Up(4 * C, C), Up(2 * C, C)
        self.out_conv = nn.Sequential(nn.Conv2d(C, classes, 1))

    def forward(self, x):
        x1 = self.in_conv(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        y = self.up4(self.up3(self.up2(self.up1(x5, x4), x3), x2), x1)
        return self.out_conv(y)


def criterion(logits, target, ignore=255):
    ce = F.cross_entropy(logits, target, weight=torch.ones(logits.shape[1]), ignore_index=ignore)
    p = logits.softmax(1)
    valid = (target != ignore).unsqueeze(1)
    onehot = F.one_hot(target.clamp(0, logits.shape[1] - 1), logits.shape[1]).permute(0, 3, 1, 2).float() * valid
    p = p * valid
    dims = (0, 2, 3)
    dice = (2 * (p * onehot).sum(dims) + 1) / (p.sum(dims) + onehot.sum(dims) + 1)
    return ce + (1 - dice).mean()


def timed(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ms.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(ms), min(ms), max(ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--base-c", type=int, default=32)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = AMSUnet(3, 2, a.base_c)
    params = sum(p.numel() for p in model.parameters())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, AMSUnet baseC {a.base_c}: {params:,} parameters")

    model.eval()
    x = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        med, lo, hi = timed(lambda: model(x), a.reps)
    print(f"eval forward 1x3x256x256: {med:.1f} ms median ({lo:.1f}..{hi:.1f}), {12e9 / med / 1e6:.1f} GFLOP/s")

    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    xb = torch.randn(2, 3, 256, 256)
    yb = torch.randint(0, 2, (2, 256, 256))

    def step():
        opt.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        opt.step()

    med, lo, hi = timed(step, a.reps)
    print(f"train step 2x3x256x256 (fwd + CE/Dice + bwd + AdamW): {med:.1f} ms median ({lo:.1f}..{hi:.1f}), {72e9 / med / 1e6:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
