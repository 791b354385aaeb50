#!/usr/bin/python3
"""nn_bench.py — the PyTorch side of bench/nn_bench.c: the same architectures (torchvision
mobilenet_v2 / resnet18 and the vgg of tests/fixtures/gen/nn.py, one input channel, one logit),
training samples/s (forward + BCEWithLogits backward + Adam step, batch 32) and inference
samples/s (eval, no_grad), GFLOP/s from the same FLOP count as the C side, peak RSS.

usage: /usr/bin/python3 bench/nn_bench.py ARCH SIZE [BATCH] [THREADS] [STEPS] [INFER]
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as tnn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "gen"))
from nn import VGG  # noqa: E402


def make(arch):
    if arch == "vgg":
        return VGG(0.5)
    if arch == "mobilenet":
        m = torchvision.models.mobilenet_v2(num_classes=1)
        m.features[0][0] = tnn.Conv2d(1, 32, 3, 2, 1, bias=False)
        return m
    m = torchvision.models.resnet18(num_classes=1)
    m.conv1 = tnn.Conv2d(1, 64, 7, 2, 3, bias=False)
    return m


def flops(m, size):
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, tnn.Conv2d):
            total += 2 * out[0].numel() * mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, tnn.Linear):
            total += 2 * mod.weight.numel()
    hs = [mod.register_forward_hook(hook) for mod in m.modules() if isinstance(mod, (tnn.Conv2d, tnn.Linear))]
    with torch.no_grad():
        m.eval()(torch.zeros(1, 1, size, size))
    for h in hs:
        h.remove()
    return total


def main():
    arch, size = sys.argv[1], int(sys.argv[2])
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    steps = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    infer = int(sys.argv[6]) if len(sys.argv) > 6 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = make(arch)
    f = flops(m, size)
    x = torch.randn(batch, 1, size, size)
    y = (torch.arange(batch) % 2).float().view(-1, 1)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    m.train()
    t = 0.0
    for s in range(-1, steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        F.binary_cross_entropy_with_logits(m(x), y).backward()
        opt.step()
        if s >= 0:
            t += time.perf_counter() - t0
    tr = steps * batch / t
    m.eval()
    t = 0.0
    with torch.no_grad():
        for s in range(-1, infer):
            t0 = time.perf_counter()
            m(x)
            if s >= 0:
                t += time.perf_counter() - t0
    inf = infer * batch / t
    print(json.dumps(dict(impl="pytorch" + ("-keepmem" if os.environ.get("MALLOC_MMAP_THRESHOLD_") else ""),
                          arch=arch, size=size, batch=batch, threads=threads,
                          train_samples_per_s=round(tr, 2), infer_samples_per_s=round(inf, 2),
                          train_gflops=round(tr * 3 * f / 1e9, 1), infer_gflops=round(inf * f / 1e9, 1),
                          peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))))


if __name__ == "__main__":
    main()
