#!/usr/bin/env python3
"""Would a tree ensemble beat the merchant's logistic model? A research check, not shipped.

Reads two folders written by `demand export-training` (training cutoffs, held-out cutoff), fits the merchant model's
recipe (L2 logistic regression over x, log(1+x), min(x, 1) of the 25 pair features) and gradient-boosted trees
(sklearn HistGradientBoosting, three sizes) on the first and scores the second: AUC and Recall@5 among the candidates
(per shopper with a purchase in the horizon; purchases outside the candidates are not counted, so figures are higher
than `demand evaluate`'s). Usage: compare_trees.py TRAIN_DIR TEST_DIR (docs/model-card.md has the commands).
"""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def load(folder):
    meta = json.load(open(folder + "/meta.json"))
    n = len(meta["featureNames"])
    x = np.fromfile(folder + "/features.f32", dtype=np.float32).reshape(-1, n)
    y = np.fromfile(folder + "/labels.u8", dtype=np.uint8)
    cutoff = np.fromfile(folder + "/cutoff.i32", dtype=np.int32)
    user = np.fromfile(folder + "/user.i32", dtype=np.int32)
    return x, y, cutoff.astype(np.int64) * 10_000_000 + user


def expand(x):
    return np.hstack([x, np.log1p(np.maximum(x, 0)), np.minimum(x, 1)])


def recall_at_5(scores, labels, groups):
    order = np.lexsort((-scores, groups))
    g, y = groups[order], labels[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(g)]
    per_user = [y[a:min(b, a + 5)].sum() / y[a:b].sum() for a, b in zip(starts, ends) if y[a:b].sum() > 0]
    return float(np.mean(per_user)) if per_user else 0.0


def main():
    x_train, y_train, _ = load(sys.argv[1])
    x_test, y_test, groups = load(sys.argv[2])
    print(f"train {len(y_train):,} pairs ({y_train.sum():,} positive); test {len(y_test):,} pairs ({y_test.sum():,} positive)")
    scores = {"merchant model recipe (logistic)": LogisticRegression(C=1.0, max_iter=2000).fit(expand(x_train), y_train).predict_proba(expand(x_test))[:, 1]}
    for rate, leaves, rounds in [(0.05, 15, 200), (0.05, 31, 300), (0.1, 7, 100)]:
        trees = HistGradientBoostingClassifier(learning_rate=rate, max_leaf_nodes=leaves, max_iter=rounds, l2_regularization=1.0, min_samples_leaf=40, random_state=0)
        scores[f"trees: rate {rate}, {leaves} leaves, {rounds} rounds"] = trees.fit(x_train, y_train).predict_proba(x_test)[:, 1]
    for name, s in scores.items():
        print(f"  {name:44s} AUC {roc_auc_score(y_test, s):.3f}   Recall@5 among candidates {recall_at_5(s, y_test, groups):.3f}")


if __name__ == "__main__":
    main()
