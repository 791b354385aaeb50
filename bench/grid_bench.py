#!/usr/bin/python3
"""grid_bench.py — the Python pipeline users run today, on mlac's exact splits.

Reads the splits that `mlac splits` prints (JSON lines: species, n, repeat, fold, train, test),
computes the same features with torchaudio (13 MFCC + delta + delta-delta, window 9, mean and
population std over time: 78 values; 22050 Hz, n_fft 2048, hop 512, 128 Slaney mels, top_db 80),
and for every task fits scikit-learn's RandomForestClassifier (100 trees, sqrt features, max depth
chosen from {4, 8, 16, None} by out-of-bag ROC-AUC, as mlac does) and SVC(C=1, gamma='scale') on
standardised features. Prints one JSON object: the wall time of that pipeline, feature time, RF
and SVM fit times, and the mean test ROC-AUC per (species, model, n). After the timed part it also
measures (untimed) one plain RF fit per task, and the spread of each RF cell's mean AUC over 3
forest seeds: the noise by which any two random-forest implementations differ.

usage: grid_bench.py DATA_ROOT SPLITS.jsonl THREADS
"""
import json
import sys
import time

import numpy as np
import torch
import torchaudio
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

DEPTHS = [4, 8, 16, None]
RF_SEEDS = 3  # extra RF seeds per task (untimed) measure the cell-to-cell noise of a random forest


def features(paths, root):
    mfcc = torchaudio.transforms.MFCC(
        sample_rate=22050, n_mfcc=13, dct_type=2, norm="ortho", log_mels=False,
        melkwargs=dict(n_fft=2048, hop_length=512, n_mels=128, mel_scale="slaney", norm="slaney",
                       center=True, pad_mode="reflect", power=2.0))
    out = {}
    for p in paths:
        wav, sr = torchaudio.load(f"{root}/{p}")
        wav = wav.mean(dim=0)
        if sr != 22050:
            wav = torchaudio.functional.resample(wav, sr, 22050)
        m = mfcc(wav)                                   # (13, frames)
        d = torchaudio.functional.compute_deltas(m, win_length=9, mode="replicate")
        dd = torchaudio.functional.compute_deltas(d, win_length=9, mode="replicate")
        f = torch.cat([m, d, dd], dim=0)                # (39, frames)
        out[p] = torch.cat([f.mean(dim=1), f.std(dim=1, unbiased=False)]).numpy()
    return out


def tuned_forest(x, y, seed, threads):
    best, best_auc = None, -1.0
    for depth in DEPTHS:
        rf = RandomForestClassifier(n_estimators=100, max_features="sqrt", max_depth=depth,
                                    bootstrap=True, oob_score=True, n_jobs=threads, random_state=seed)
        rf.fit(x, y)
        oob = rf.oob_decision_function_[:, 1]
        ok = ~np.isnan(oob)
        auc = roc_auc_score(y[ok], oob[ok]) if len(set(y[ok])) == 2 else -1.0
        if auc > best_auc + 1e-12:
            best, best_auc = rf, auc
    return best


def task_arrays(t, feats):
    xtr = np.stack([feats[p] for p, _ in t["train"]]); ytr = np.array([l for _, l in t["train"]])
    xte = np.stack([feats[p] for p, _ in t["test"]]); yte = np.array([l for _, l in t["test"]])
    return xtr, ytr, xte, yte


def main():
    root, splits_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    # --- timed: the pipeline a user would run ---
    t0 = time.perf_counter()
    tasks = [json.loads(line) for line in open(splits_path)]
    paths = sorted({p for t in tasks for p, _ in t["train"] + t["test"]})
    feats = features(paths, root)
    t_feat = time.perf_counter() - t0
    rf_fit = svm_fit = 0.0
    aucs = {}
    for i, t in enumerate(tasks):
        xtr, ytr, xte, yte = task_arrays(t, feats)
        a = time.perf_counter()
        rf = tuned_forest(xtr, ytr, i, threads)
        b = time.perf_counter()
        scaler = StandardScaler().fit(xtr)
        svm = SVC(C=1.0, kernel="rbf", gamma="scale").fit(scaler.transform(xtr), ytr)
        c = time.perf_counter()
        rf_fit += b - a
        svm_fit += c - b
        for model, score in (("random_forest", rf.predict_proba(xte)[:, 1]),
                             ("svm", svm.decision_function(scaler.transform(xte)))):
            aucs.setdefault(f'{t["species"]},{model},{t["n"]}', []).append(roc_auc_score(yte, score))
    wall = time.perf_counter() - t0
    # --- untimed: a plain single RF fit per task, and the RF's own seed-to-seed noise per cell ---
    rf_single = 0.0
    seed_means = {k: [float(np.mean(v))] for k, v in aucs.items() if ",random_forest," in k}
    for extra in range(1, RF_SEEDS):
        per_cell = {}
        for i, t in enumerate(tasks):
            xtr, ytr, xte, yte = task_arrays(t, feats)
            if extra == 1:
                s0 = time.perf_counter()
                RandomForestClassifier(n_estimators=100, max_features="sqrt", n_jobs=threads,
                                       random_state=i).fit(xtr, ytr)
                rf_single += time.perf_counter() - s0
            rf = tuned_forest(xtr, ytr, i + 100003 * extra, threads)
            per_cell.setdefault(f'{t["species"]},random_forest,{t["n"]}', []).append(
                roc_auc_score(yte, rf.predict_proba(xte)[:, 1]))
        for k, v in per_cell.items():
            seed_means[k].append(float(np.mean(v)))
    print(json.dumps({"wall_seconds": wall, "feature_seconds": t_feat, "rf_fit_seconds": rf_fit,
                      "rf_single_fit_seconds": rf_single, "svm_fit_seconds": svm_fit, "tasks": len(tasks) * 2,
                      "mean_auc": {k: float(np.mean(v)) for k, v in aucs.items()},
                      "rf_seed_std": {k: float(np.std(v, ddof=1)) for k, v in seed_means.items()}}))


if __name__ == "__main__":
    main()
