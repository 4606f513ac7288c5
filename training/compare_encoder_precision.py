#!/usr/bin/env python3
"""Compares the learned miner with its float encoder (default) and its int8 encoder on validation sentences only.

Mines each validation set twice (`demand mine --encoder float` and `--encoder int8`) and prints aspect-term P/R/F1
(exact span) and polarity accuracy on matched terms for each, plus how often the two agree. Sets: MAMS-ATSA val.xml
(`--mams`), and the SemEval-14 validation splits that `demand export-miner-training` writes (`--miner-data`: its
laptops-val.jsonl and restaurants-val.jsonl). Test sets are never read.

    /usr/bin/python3 training/compare_encoder_precision.py --demand src/Demand.Cli/bin/Release/net10.0/demand.dll \
        --mams ../shared/datasets/mams/MAMS-ATSA [--miner-data /tmp/miner-data]
"""
import argparse, json, os, subprocess, tempfile
import xml.etree.ElementTree as ET

POLARITY = ["negative", "neutral", "positive"]


def mams(folder):
    texts, gold = [], []
    for sentence in ET.parse(os.path.join(folder, "val.xml")).getroot().iter("sentence"):
        terms = sentence.find("aspectTerms")
        texts.append(sentence.find("text").text)
        gold.append({(int(a.get("from")), int(a.get("to"))): a.get("polarity") for a in (terms if terms is not None else [])})
    return texts, gold


def exported(path):
    texts, gold = [], []
    for row in map(json.loads, open(path, encoding="utf-8")):
        texts.append(row["text"])
        # A term's polarity is its first piece's; -1 (conflict) counts for the span only.
        polarity = [row["polarity"][row["from"].index(f)] for f, _ in row["terms"]]
        gold.append({(f, t): POLARITY[p] if p >= 0 else None for (f, t), p in zip(row["terms"], polarity)})
    return texts, gold


def score(name, texts, gold, demand, work):
    source = os.path.join(work, name + ".in.jsonl")
    with open(source, "w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            out.write(json.dumps({"id": str(i), "text": text, "language": "en"}) + "\n")
    mined = {}
    for encoder in ("float", "int8"):
        path = os.path.join(work, f"{name}.{encoder}.jsonl")
        subprocess.run(["dotnet", demand, "mine", "--in", source, "--out", path, "--encoder", encoder], check=True, stderr=subprocess.DEVNULL)
        pred = [{(a["from"], a["to"]): a["polarity"] for a in j["aspects"]} for j in map(json.loads, open(path, encoding="utf-8"))]
        mined[encoder] = pred
        tp = sum(len(set(g) & set(p)) for g, p in zip(gold, pred))
        predicted, labelled = sum(map(len, pred)), sum(map(len, gold))
        matched = [(g[s], p[s]) for g, p in zip(gold, pred) for s in set(g) & set(p) if g[s] is not None]
        accuracy = sum(a == b for a, b in matched) / len(matched)
        print(f"{name:12} {encoder:5} encoder ({len(texts)} sentences): P {tp / predicted:.3f} R {tp / labelled:.3f} "
              f"F1 {2 * tp / (predicted + labelled):.3f}; polarity accuracy {accuracy:.3f} on {len(matched)} matched terms")
    a, b = mined["float"], mined["int8"]
    shared = sum(len(set(x) & set(y)) for x, y in zip(a, b))
    same = sum(1 for x, y in zip(a, b) for s in set(x) & set(y) if x[s] == y[s])
    print(f"{name:12} agreement: span F1 {2 * shared / (sum(map(len, a)) + sum(map(len, b))):.3f}, same polarity on {same / shared:.3f} of shared spans")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--demand", required=True, help="the built demand.dll")
    parser.add_argument("--mams", help="the MAMS-ATSA folder (val.xml is read)")
    parser.add_argument("--miner-data", help="a demand export-miner-training folder (laptops-val / restaurants-val)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="demand-precision-")
    if args.mams:
        score("mams-val", *mams(args.mams), args.demand, work)
    for name in ("laptops-val", "restaurants-val"):
        if args.miner_data and os.path.exists(os.path.join(args.miner_data, name + ".jsonl")):
            score(name, *exported(os.path.join(args.miner_data, name + ".jsonl")), args.demand, work)


if __name__ == "__main__":
    main()
