#!/usr/bin/env python3
"""Trains the Chinese aspect model of the learned need miner: two linear models over jieba-word features written by
`demand export-miner-training --chinese` (zh-train.jsonl / zh-val.jsonl; zh-test.jsonl is never read here):

* tagger: per word O / B / I (aspect term), logistic regression;
* polarity: per clause negative / neutral / positive / none (no opinion), logistic regression.

The negative-decision threshold is chosen on validation (review level: share of negative reviews with a negative
aspect, share of positive reviews with one). Writes a JSON weights file (small features pruned) for
ChineseAspectModel in C#.
"""
import argparse, json, time
import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

TAGS = ["O", "B", "I"]
POLS = ["negative", "neutral", "positive", "none"]


def rows(path):
    return [json.loads(l) for l in open(path, encoding="utf-8")]


def fit(features, labels, c, weight=None):
    vec = DictVectorizer()
    x = vec.fit_transform([{f: 1.0 for f in fs} for fs in features])
    model = LogisticRegression(C=c, max_iter=300, class_weight=weight)
    model.fit(x, labels)
    return vec, model


def probs(vec, model, features):
    return model.predict_proba(vec.transform([{f: 1.0 for f in fs} for fs in features]))


def review_outcomes(reviews, tagger, polarity, threshold):
    """Mirror of ChineseAspectModel.Analyse: does each review get >= 1 negative aspect?"""
    out = []
    for r in reviews:
        tags = probs(*tagger, r["tokens"]) if r["tokens"] else np.zeros((0, 3))
        negative = False
        for c in r["clauses"]:
            p = probs(*polarity, [c["features"]])[0]
            has_term = any(tags[k][0] < 0.5 for k in range(c["from"], c["to"]))
            opinion = p[:3] if has_term else p
            if opinion[0] >= threshold and p[0] >= max(p[1], p[2]):
                negative = True
        out.append(negative)
    return out


def review_label(r):
    pols = set(r["polarities"])
    if "negative" in pols and "positive" not in pols:
        return "negative"
    if "positive" in pols and "negative" not in pols:
        return "positive"
    return None


def balanced(reviews, per_class, seed=13):
    rng = np.random.default_rng(seed)
    sample = []
    for domain in sorted({r["domain"] for r in reviews}):
        for label in ["negative", "positive"]:
            pool = [r for r in reviews if r["domain"] == domain and review_label(r) == label]
            n = min(per_class, len(pool))
            sample += [pool[i] for i in rng.choice(len(pool), n, replace=False)] if n else []
    return sample


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default="models/miner-zh.json")
    args = ap.parse_args()
    train, val = rows(f"{args.data}/zh-train.jsonl"), rows(f"{args.data}/zh-val.jsonl")
    started = time.time()
    tok_f = [t for r in train for t in r["tokens"]]
    tok_y = [TAGS[y] for r in train for y in r["tags"]]
    tagger = fit(tok_f, tok_y, 1.0)
    # Peng et al. label one aspect per instance: its unlabelled clauses are not evidence of "no opinion".
    cl = [(c["features"], c["label"]) for r in train for c in r["clauses"] if r["dense"] or c["label"] != "none"]
    polarity = fit([f for f, _ in cl], [y for _, y in cl], 0.5, weight="balanced")
    print(f"trained on {len(train)} reviews, {len(tok_f)} words, {len(cl)} clauses in {time.time() - started:.0f} s", flush=True)

    sample = balanced(val, 60)
    best = None
    for threshold in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]:
        got = review_outcomes(sample, tagger, polarity, threshold)
        neg = [g for g, r in zip(got, sample) if review_label(r) == "negative"]
        pos = [g for g, r in zip(got, sample) if review_label(r) == "positive"]
        hit, false = np.mean(neg), np.mean(pos)
        print(f"threshold {threshold}: negative reviews with a negative aspect {hit:.3f}, positive reviews with one {false:.3f}", flush=True)
        score = hit - 2 * max(0.0, false - 0.06)
        if best is None or score > best[0]:
            best = (score, threshold, hit, false)
    _, threshold, hit, false = best
    print(f"selected threshold {threshold} (val: {hit:.3f} / {false:.3f})")

    def weights(vec, model, classes, prune):
        names = vec.get_feature_names_out()
        coef = model.coef_  # [classes, features]
        order = [list(model.classes_).index(c) for c in classes]
        out = {}
        for j, name in enumerate(names):
            w = [float(coef[i, j]) for i in order]
            if max(abs(v) for v in w) >= prune:
                out[name] = [round(v, 4) for v in w]
        return {"classes": classes, "intercept": [round(float(model.intercept_[i]), 4) for i in order], "weights": out}

    model = {
        "version": "miner-zh-1",
        "data": "chinese-absa train splits: Zhijiang cosmetics (ids % 5 >= 2), Peng et al. phone/camera/notebook/car train (9/10), Lasted restaurants train (first 6,000)",
        "negativeThreshold": threshold,
        "validation": {"negativeReviewsWithNegative": round(float(hit), 4), "positiveReviewsWithNegative": round(float(false), 4)},
        "tagger": weights(*tagger, TAGS, 0.05),
        "polarity": weights(*polarity, POLS, 0.05),
    }
    json.dump(model, open(args.out, "w", encoding="utf-8"), ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {args.out}: {len(model['tagger']['weights'])} tagger and {len(model['polarity']['weights'])} polarity features")


if __name__ == "__main__":
    main()
