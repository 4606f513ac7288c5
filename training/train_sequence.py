#!/usr/bin/env python3
"""Trains the sequence challenger: a GRU over each pair's daily event sequence next to its 25 pair features.

Input: the folder written by `demand export-training` (features.f32 [N,25], seq.f32 [N,28,8] — the daily sequence of
`Demand.Core.Scoring.PairSequence` —, labels.u8, cutoff.i32, meta.json). Time-based split: the last cutoff (--validation-cutoffs: the last K)
validates, earlier cutoffs train; the epoch is selected on validation AUC (never on a horizon `demand evaluate` scores).
Model: GRU(8 → hidden) over the 28 days (standardised per channel), its last state concatenated with the standardised
pair features → MLP (→32→16→1, ReLU) → sigmoid. For an honest ablation the same head without the GRU (pair features
only) is trained on the same split and its validation AUC goes into the metadata next to the challenger's.

Export: ONNX opset 13, inputs `features` [N,25] and `sequence` [N,28,8] float32, output `probability` [N,1];
standardisation folded into the graph; metadata `feature_names`, `feature_version` (e.g. pairs-v2+seq28-v1: the pair
features' and the sequence's versions, checked by `demand evaluate --challenger`), `sequence_channels`,
`model_version`, `metrics`, `data`. Writes <model>.parity.json (inputs + PyTorch outputs) for the C# parity test.

  nice -n 10 /usr/bin/python3 training/train_sequence.py --data /tmp/train --out /tmp/demand-gru.onnx --version demand-gru-1
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from onnx_metadata import write_metadata


def load(folder):
    meta = json.load(open(os.path.join(folder, "meta.json")))
    if not meta.get("sequence"):
        sys.exit(f"{folder} has no sequences (seq.f32): export it again with this version of `demand export-training`")
    f = len(meta["featureNames"])
    days, channels = meta["sequence"]["days"], len(meta["sequence"]["channels"])
    x = np.fromfile(os.path.join(folder, "features.f32"), dtype=np.float32).reshape(-1, f)
    s = np.fromfile(os.path.join(folder, "seq.f32"), dtype=np.float32).reshape(-1, days, channels)
    y = np.fromfile(os.path.join(folder, "labels.u8"), dtype=np.uint8).astype(np.float32)
    cutoff = np.fromfile(os.path.join(folder, "cutoff.i32"), dtype=np.int32)
    return meta, x, s, y, cutoff


class Challenger(torch.nn.Module):
    """GRU over the daily sequence + the pair features → MLP; with use_sequence=False the same head on the features alone."""

    def __init__(self, mean, std, seq_mean, seq_std, channels, hidden=32, use_sequence=True):
        super().__init__()
        self.use_sequence = use_sequence
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.register_buffer("seq_mean", torch.tensor(seq_mean, dtype=torch.float32))
        self.register_buffer("seq_std", torch.tensor(seq_std, dtype=torch.float32))
        self.gru = torch.nn.GRU(channels, hidden, batch_first=True) if use_sequence else None
        width = len(mean) + (hidden if use_sequence else 0)
        self.head = torch.nn.Sequential(torch.nn.Linear(width, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

    def forward(self, features, sequence):
        x = (features - self.mean) / self.std
        if self.use_sequence:
            _, last = self.gru((sequence - self.seq_mean) / self.seq_std)
            x = torch.cat([x, last[0]], dim=1)
        return torch.sigmoid(self.head(x))


def score(model, x, s, batch=8192):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(torch.from_numpy(x[i:i + batch]), torch.from_numpy(s[i:i + batch])).squeeze(1).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def fit(model, x, s, y, xv, sv, yv, args, label):
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    loss_fn = torch.nn.BCELoss()
    xt, st, yt = torch.from_numpy(x), torch.from_numpy(s), torch.from_numpy(y).unsqueeze(1)
    best, best_state, best_epoch, patience, started = -1.0, None, 0, 0, time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), args.batch):
            b = perm[i:i + args.batch]
            optimiser.zero_grad()
            loss = loss_fn(model(xt[b], st[b]), yt[b])
            loss.backward()
            optimiser.step()
        auc = float(roc_auc_score(yv, score(model, xv, sv)))
        print(f"{label} epoch {epoch + 1}: validation AUC {auc:.4f} ({time.time() - started:.0f} s)", flush=True)
        if auc > best + 1e-4:
            best, best_state, best_epoch, patience = auc, {k: v.clone() for k, v in model.state_dict().items()}, epoch + 1, 0
        else:
            patience += 1
            if patience >= args.patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    return best, best_epoch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--validation-cutoffs", type=int, default=1, help="the last K cutoffs validate (more positives on a small log)")
    parser.add_argument("--max-train-rows", type=int, default=0, help="sample at most this many training pairs (0: all)")
    parser.add_argument("--no-ablation", action="store_true", help="skip the features-only head trained for comparison")
    parser.add_argument("--version", default="demand-gru-1")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(1)
    meta, x, s, y, cutoff = load(args.data)
    first_validation = np.unique(cutoff)[-args.validation_cutoffs]
    train, val = cutoff < first_validation, cutoff >= first_validation
    if not train.any() or not val.any() or y[val].sum() == 0:
        sys.exit("need more cutoffs than --validation-cutoffs and a purchase in the validated ones (earlier cutoffs train, the last validate)")
    train_idx = np.flatnonzero(train)
    if args.max_train_rows and len(train_idx) > args.max_train_rows:
        train_idx = np.sort(np.random.default_rng(args.seed).choice(train_idx, size=args.max_train_rows, replace=False))
    xtr, s_tr, ytr = x[train_idx], s[train_idx], y[train_idx]
    xv, sv, yv = x[val], s[val], y[val]
    mean, std = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
    seq_mean, seq_std = s_tr.mean(axis=(0, 1)), s_tr.std(axis=(0, 1)) + 1e-6
    channels = s.shape[2]
    print(f"train {len(ytr):,} pairs ({int(ytr.sum()):,} positive), validation {len(yv):,} ({int(yv.sum()):,} positive)", flush=True)

    ablation_auc, ablation_epoch = None, None
    if not args.no_ablation:
        torch.manual_seed(args.seed)
        ablation = Challenger(mean, std, seq_mean, seq_std, channels, args.hidden, use_sequence=False)
        ablation_auc, ablation_epoch = fit(ablation, xtr, s_tr, ytr, xv, sv, yv, args, "features only")

    torch.manual_seed(args.seed)
    model = Challenger(mean, std, seq_mean, seq_std, channels, args.hidden)
    best, best_epoch = fit(model, xtr, s_tr, ytr, xv, sv, yv, args, "gru")

    metrics = {
        "validation_auc": round(best, 4),
        "features_only_validation_auc": None if ablation_auc is None else round(ablation_auc, 4),
        "epoch": best_epoch,
        "features_only_epoch": ablation_epoch,
        "hidden": args.hidden,
        "train_rows": int(len(ytr)),
        "validation_rows": int(val.sum()),
        "train_positives": int(ytr.sum()),
        "validation_positives": int(yv.sum()),
        "validation_cutoffs": args.validation_cutoffs,
    }

    version = meta["featureVersion"] + "+" + meta["sequence"]["version"]
    dummy = (torch.zeros(1, x.shape[1]), torch.zeros(1, s.shape[1], channels))
    torch.onnx.export(model, dummy, args.out, input_names=["features", "sequence"], output_names=["probability"],
                      dynamic_axes={"features": {0: "n"}, "sequence": {0: "n"}, "probability": {0: "n"}}, opset_version=13)
    write_metadata(args.out, {
        "feature_names": json.dumps(meta["featureNames"]),
        "feature_version": version,
        "sequence_channels": json.dumps(meta["sequence"]["channels"]),
        "model_version": args.version,
        "metrics": json.dumps(metrics),
        "data": json.dumps(meta.get("summary", {})),
    })

    # Validation rows with some sequence activity, so the parity check exercises the GRU, not only its zero state.
    rng = np.random.default_rng(args.seed)
    active = np.flatnonzero(val & (s.reshape(len(s), -1).sum(axis=1) > 0))
    rows = np.sort(rng.choice(active, size=min(16, len(active)), replace=False))
    with torch.no_grad():
        expected = model(torch.from_numpy(x[rows]), torch.from_numpy(s[rows])).squeeze(1).numpy()
    fixture = {"featureVersion": version, "features": x[rows].tolist(), "sequences": s[rows].reshape(len(rows), -1).tolist(),
               "expected": expected.astype(float).tolist()}
    json.dump(fixture, open(os.path.splitext(args.out)[0] + ".parity.json", "w"))
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
