#!/usr/bin/env python3
"""Trains Demand's pair model (user x candidate category -> P(purchase in the category within 7 days)).

Input: the folder written by `demand export-training` (features.f32 [N,F], labels.u8 [N], cutoff.i32 [N],
meta.json). Time-based split: the last cutoff is validation, earlier cutoffs train. Trains a logistic
regression baseline (scikit-learn) and an MLP (PyTorch) with early stopping on validation AUC, checks
calibration, and exports the MLP to ONNX (opset 13; input `features` [N,F] float32, output `probability`
[N,1]) with standardisation folded into the graph and metadata: feature names, feature-list version,
model version, metrics, data summary. Also writes a parity fixture (inputs + PyTorch outputs).

Run with Debian's interpreter: /usr/bin/python3 training/train.py --data DIR --out models/demand-mlp.onnx
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from onnx_metadata import write_metadata


def load(folder):
    meta = json.load(open(os.path.join(folder, "meta.json")))
    f = len(meta["featureNames"])
    x = np.fromfile(os.path.join(folder, "features.f32"), dtype=np.float32).reshape(-1, f)
    y = np.fromfile(os.path.join(folder, "labels.u8"), dtype=np.uint8).astype(np.float32)
    cutoff = np.fromfile(os.path.join(folder, "cutoff.i32"), dtype=np.int32)
    return meta, x, y, cutoff


def ece(p, y, bins=10):
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.mean() * abs(y[m].mean() - p[m].mean())
    return float(total)


class Mlp(torch.nn.Module):
    def __init__(self, features, mean, std, hidden=(32, 16)):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        layers, width = [], features
        for h in hidden:
            layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
            width = h
        layers.append(torch.nn.Linear(width, 1))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, features):
        return torch.sigmoid(self.net((features - self.mean) / self.std))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--version", default="demand-mlp-1")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(1)
    meta, x, y, cutoff = load(args.data)
    last = cutoff.max()
    train, val = cutoff < last, cutoff == last
    if not train.any() or not val.any():
        sys.exit("need at least two cutoffs (earlier ones train, the last validates)")
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0) + 1e-6

    logistic = LogisticRegression(max_iter=2000, C=1.0)
    logistic.fit((x[train] - mean) / std, y[train])
    p_log = logistic.predict_proba((x[val] - mean) / std)[:, 1]
    log_auc = float(roc_auc_score(y[val], p_log))

    model = Mlp(x.shape[1], mean, std)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)
    xt, yt = torch.tensor(x[train]), torch.tensor(y[train]).unsqueeze(1)
    xv = torch.tensor(x[val])
    best, best_state, patience = -1.0, None, 0
    loss_fn = torch.nn.BCELoss()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 512):
            batch = perm[i:i + 512]
            optimiser.zero_grad()
            loss = loss_fn(model(xt[batch]), yt[batch])
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            auc = float(roc_auc_score(y[val], model(xv).squeeze(1).numpy()))
        if auc > best + 1e-4:
            best, best_state, patience = auc, {k: v.clone() for k, v in model.state_dict().items()}, 0
        else:
            patience += 1
            if patience >= 8:
                break
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        p_val = model(xv).squeeze(1).numpy()

    metrics = {
        "validation_auc": round(best, 4),
        "validation_ece": round(ece(p_val, y[val]), 4),
        "logistic_validation_auc": round(log_auc, 4),
        "epochs": epoch + 1,
        "train_rows": int(train.sum()),
        "validation_rows": int(val.sum()),
        "train_positive_rate": round(float(y[train].mean()), 4),
        "validation_positive_rate": round(float(y[val].mean()), 4),
    }

    dummy = torch.zeros(1, x.shape[1])
    torch.onnx.export(model, dummy, args.out, input_names=["features"], output_names=["probability"],
                      dynamic_axes={"features": {0: "n"}, "probability": {0: "n"}}, opset_version=13)
    write_metadata(args.out, {
        "feature_names": json.dumps(meta["featureNames"]),
        "feature_version": meta["featureVersion"],
        "model_version": args.version,
        "metrics": json.dumps(metrics),
        "data": json.dumps(meta.get("summary", {})),
    })

    rng = np.random.default_rng(args.seed)
    rows = x[val][rng.choice(val.sum(), size=min(64, int(val.sum())), replace=False)]
    with torch.no_grad():
        expected = model(torch.tensor(rows)).squeeze(1).numpy()
    fixture = {"featureNames": meta["featureNames"], "inputs": rows.tolist(), "expected": expected.astype(float).tolist()}
    json.dump(fixture, open(os.path.splitext(args.out)[0] + ".parity.json", "w"))
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
