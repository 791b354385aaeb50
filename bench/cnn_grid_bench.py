#!/usr/bin/python3
"""cnn_grid_bench.py — the CNN grid through PyTorch, on mlac's exact splits and mlac's own images.

The PyTorch side of bench/run_cnn_grid_bench.sh. Reads the splits that `mlac splits` prints
(JSON lines: species, n, repeat, fold, train, test) and the log-mel images mlac computed for the
clips (`mlac features --kind logmel --format npy`: IMAGES/<clip file name>.logmel.npy; mlac refuses
    clips that share a file name there),
so the comparison is the CNN pipeline, not the features. For every task and model it trains the
network mlac trains (src/nn/nets.c: the vgg of tests/fixtures/gen/nn.py, torchvision's
mobilenet_v2 and resnet18 with one input channel and one logit) the way src/nn/train.c does:

  - each image standardised (mean 0, population sd 1), as src/ml/model_cnn.c prepares it;
  - initialisation as nn_net_init_params: conv weights N(0, 2/fan_out), batch norm 1/0, linear
    weight and bias U(+-1/sqrt(fan_in));
  - a stratified validation split (val_fraction of each class, rounded half up), used only when
    every class keeps >= min_val_per_class validation and >= 1 training clip; with it, the best
    validation ROC-AUC from min_epochs on is kept and training stops after `patience` epochs
    without a better one; without it every epoch trains and the last is kept;
  - every epoch shuffles, runs batches of batch_size (a last batch of one image is skipped),
    augments each image (circular time shift of up to S/4, `masks` frequency and time masks of
    up to S/8 set to 0) when asked, BCE-with-logits (mean), Adam(lr, 0.9, 0.999, 1e-8);
  - test ROC-AUC (scikit-learn) on the eval-mode logits.

The random streams are PyTorch's and NumPy's, not mlac's: AUCs differ by their seeds. So the
whole grid is run for SEEDS seeds; the first seed's wall time is the pipeline's time, and the
per-cell spread of the seed means is the yardstick for mlac's difference.

Prints one JSON object: wall seconds per seed, load seconds, train/predict seconds, and per
(species, model, n) the mean test ROC-AUC over folds for each seed.

usage: cnn_grid_bench.py DATA_SPLITS.jsonl IMAGES_DIR [--models vgg mobilenet resnet]
       [--epochs 10] [--batch-size 32] [--lr 1e-3] [--width 1.0] [--patience 3] [--min-epochs 3]
       [--val-fraction 0.2] [--min-val-per-class 10] [--augment 1] [--masks 2] [--seeds 3]
       [--threads 2]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as tnn
import torch.nn.functional as F
import torchvision
from sklearn.metrics import roc_auc_score


class VGG(tnn.Module):
    """The vgg of src/nn/nets.c (as tests/fixtures/gen/nn.py builds it)."""

    def __init__(self, dropout):
        super().__init__()
        layers, c = [], 1
        for k in (32, 64, 128, 256):
            for _ in range(2):
                layers += [tnn.Conv2d(c, k, 3, padding=1, bias=False), tnn.BatchNorm2d(k), tnn.ReLU(inplace=True)]
                c = k
            layers.append(tnn.MaxPool2d(2, 2))
        self.features = tnn.Sequential(*layers)
        self.classifier = tnn.Sequential(tnn.Linear(256, 256), tnn.ReLU(True), tnn.Dropout(dropout),
                                         tnn.Linear(256, 1))

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


def make_net(arch, width):
    if arch == "vgg":
        m = VGG(0.5)
    elif arch == "mobilenet":
        m = torchvision.models.mobilenet_v2(num_classes=1, width_mult=width, dropout=0.2)
        old = m.features[0][0]
        m.features[0][0] = tnn.Conv2d(1, old.out_channels, 3, 2, 1, bias=False)
    else:
        m = torchvision.models.resnet18(num_classes=1)
        m.conv1 = tnn.Conv2d(1, 64, 7, 2, 3, bias=False)
    with torch.no_grad():  # mlac's initialisation (src/nn/net.c nn_net_init_params)
        for mod in m.modules():
            if isinstance(mod, tnn.Conv2d):
                tnn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(mod, tnn.BatchNorm2d):
                tnn.init.ones_(mod.weight)
                tnn.init.zeros_(mod.bias)
            elif isinstance(mod, tnn.Linear):
                bound = 1.0 / math.sqrt(mod.in_features)
                tnn.init.uniform_(mod.weight, -bound, bound)
                tnn.init.uniform_(mod.bias, -bound, bound)
    return m


def standardize(img):
    img = img.astype(np.float64)
    sd = img.std()
    return ((img - img.mean()) * (1.0 / sd if sd > 1e-6 else 0.0)).astype(np.float32)


def augment(img, rng, masks, max_width):
    """src/nn/augment.c nn_augment_image: circular time shift, then masks (freq, time) pairs."""
    s = img.shape[-1]
    shift = int(rng.integers(-(s // 4), s // 4 + 1))
    if shift:
        img = np.roll(img, shift, axis=-1)
    max_width = min(max_width, s - 1)
    for _ in range(masks if max_width > 0 else 0):
        w = int(rng.integers(0, max_width + 1))
        f0 = int(rng.integers(0, s - w + 1))
        img[f0:f0 + w, :] = 0.0
        w = int(rng.integers(0, max_width + 1))
        t0 = int(rng.integers(0, s - w + 1))
        img[:, t0:t0 + w] = 0.0
    return img


def split_validation(y, a, rng):
    """Boolean mask of validation clips, or None (src/nn/train.c split_validation)."""
    if a.val_fraction <= 0:
        return None
    take = {}
    for c in (0, 1):
        count = int((y == c).sum())
        take[c] = int(math.floor(a.val_fraction * count + 0.5))
        if take[c] < 1 or take[c] < a.min_val_per_class or count - take[c] < 1:
            return None
    val = np.zeros(len(y), dtype=bool)
    for c in (0, 1):
        idx = np.flatnonzero(y == c)
        val[rng.permutation(idx)[:take[c]]] = True
    return val


def logits(m, x, batch):
    m.eval()
    out = []
    with torch.no_grad():
        for b in range(0, len(x), batch):
            out.append(m(x[b:b + batch]).view(-1))
    return torch.cat(out).double().numpy()


def fit(arch, xtr, ytr, a, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    m = make_net(arch, a.width)
    opt = torch.optim.Adam(m.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    val = split_validation(ytr, a, rng)
    tr = np.flatnonzero(~val) if val is not None else np.arange(len(ytr))
    xv = torch.from_numpy(xtr[val]).unsqueeze(1) if val is not None else None
    yv = ytr[val] if val is not None else None
    s = xtr.shape[-1]
    max_width = a.mask_width if a.mask_width >= 0 else s // 8
    first = min(max(a.min_epochs, 1), a.epochs)
    best, best_auc, best_epoch, stale = None, -1.0, 0, 0
    for ep in range(1, a.epochs + 1):
        m.train()
        order = rng.permutation(tr)
        for b in range(0, len(order) - 1, a.batch_size):
            idx = order[b:b + a.batch_size]
            xb = xtr[idx].copy()
            if a.augment:
                for i in range(len(idx)):
                    xb[i] = augment(xb[i], rng, a.masks, max_width)
            yb = torch.from_numpy(ytr[idx].astype(np.float32)).view(-1, 1)
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(m(torch.from_numpy(xb).unsqueeze(1)), yb).backward()
            opt.step()
        if val is not None:
            vauc = roc_auc_score(yv, logits(m, xv, a.batch_size))
            if ep < first:
                continue
        if val is None or best_epoch == 0 or vauc > best_auc:
            best = {k: v.detach().clone() for k, v in m.state_dict().items()}
            best_auc, best_epoch, stale = (vauc if val is not None else best_auc), ep, 0
        else:
            stale += 1
            if stale >= a.patience:
                break
    m.load_state_dict(best)
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("splits")
    p.add_argument("images")
    p.add_argument("--models", nargs="+", default=["vgg", "mobilenet", "resnet"])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--min-epochs", type=int, default=3)
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--min-val-per-class", type=int, default=10)
    p.add_argument("--augment", type=int, default=1)
    p.add_argument("--masks", type=int, default=2)
    p.add_argument("--mask-width", type=int, default=-1)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    walls, load_s, train_s, predict_s, cells = [], 0.0, 0.0, 0.0, {}
    for seed in range(a.seeds):
        t0 = time.perf_counter()
        tasks = [json.loads(line) for line in open(a.splits)]
        paths = sorted({q for t in tasks for q, _ in t["train"] + t["test"]})
        img = {q: standardize(np.load(os.path.join(a.images, os.path.basename(q) + ".logmel.npy"))) for q in paths}
        t_load = time.perf_counter() - t0
        per_cell = {}
        for ti, t in enumerate(tasks):
            xtr = np.stack([img[q] for q, _ in t["train"]])
            ytr = np.array([lab for _, lab in t["train"]], dtype=np.int64)
            xte = torch.from_numpy(np.stack([img[q] for q, _ in t["test"]])).unsqueeze(1)
            yte = np.array([lab for _, lab in t["test"]])
            for mi, arch in enumerate(a.models):
                t1 = time.perf_counter()
                m = fit(arch, xtr, ytr, a, 1000003 * seed + 1009 * ti + mi)
                t2 = time.perf_counter()
                auc = roc_auc_score(yte, logits(m, xte, a.batch_size))
                t3 = time.perf_counter()
                if seed == 0:
                    train_s += t2 - t1
                    predict_s += t3 - t2
                per_cell.setdefault(f'{t["species"]},{arch},{t["n"]}', []).append(auc)
                print(f"seed {seed} task {ti + 1}/{len(tasks)} {arch}: auc {auc:.3f} "
                      f"({t2 - t1:.1f} s)", file=sys.stderr, flush=True)
        walls.append(time.perf_counter() - t0)
        if seed == 0:
            load_s = t_load
        for k, v in per_cell.items():
            cells.setdefault(k, []).append(float(np.mean(v)))
    print(json.dumps({"wall_seconds": walls, "load_seconds": load_s, "train_seconds": train_s,
                      "predict_seconds": predict_s, "threads": a.threads, "torch": torch.__version__,
                      "seed_mean_auc": cells}))


if __name__ == "__main__":
    main()
