#!/usr/bin/python3
"""features_bench.py — torchaudio doing what mlac's features_bench does, per clip: load, mono,
resample to 22050 Hz, crop/pad to 5 s, MFCC + deltas + delta-deltas summary (78 values) and the
128x128 bilinear log-mel image. usage: features_bench.py THREADS FILE...  (one JSON line)"""
import json
import sys
import time

import torch
import torchaudio

SR = 22050


def main():
    threads, files = int(sys.argv[1]), sys.argv[2:]
    torch.set_num_threads(threads)
    mel = torchaudio.transforms.MelSpectrogram(SR, n_fft=2048, hop_length=512, n_mels=128, mel_scale="slaney",
                                               norm="slaney", center=True, pad_mode="reflect", power=2.0)
    to_db = torchaudio.transforms.AmplitudeToDB("power", top_db=80)
    dct = torchaudio.functional.create_dct(13, 128, "ortho")
    resamplers = {}
    blobs = [open(f, "rb").read() for f in files]  # read before timing, as the C side does

    def one(path):
        wav, sr = torchaudio.load(path)
        wav = wav.mean(dim=0)
        if sr != SR:
            if sr not in resamplers:
                resamplers[sr] = torchaudio.transforms.Resample(sr, SR)
            wav = resamplers[sr](wav)
        n = 5 * SR
        if wav.numel() >= n:
            start = (wav.numel() - n) // 2
            wav = wav[start:start + n]
        else:
            pad = n - wav.numel()
            wav = torch.nn.functional.pad(wav, (pad // 2, pad - pad // 2))
        db = to_db(mel(wav))                                 # (128, frames)
        m = torch.matmul(db.T, dct).T                        # (13, frames)
        d = torchaudio.functional.compute_deltas(m, win_length=9)
        dd = torchaudio.functional.compute_deltas(d, win_length=9)
        f = torch.cat([m, d, dd])
        summary = torch.cat([f.mean(1), f.std(1, unbiased=False)])
        image = torch.nn.functional.interpolate(db[None, None], size=(128, 128), mode="bilinear",
                                                align_corners=False)
        return summary, image

    for f in files[:8]:
        one(f)
    t0 = time.perf_counter()
    for f in files:
        one(f)
    dt = time.perf_counter() - t0
    del blobs
    print(json.dumps({"impl": "torchaudio", "threads": threads, "clips": len(files), "seconds": round(dt, 4),
                      "clips_per_second": round(len(files) / dt, 1)}))


if __name__ == "__main__":
    main()
