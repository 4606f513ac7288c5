#!/usr/bin/env python3
"""Compares the learned miner with its int8 encoder (shipped) and its float encoder on validation sentences only.

Writes MAMS-ATSA val (gold aspect spans + polarity) as `demand mine` input, mines it twice (`--encoder int8` and
`--encoder float`), and prints aspect-term P/R/F1 (exact span) and polarity accuracy on matched terms for each, plus how
often the two agree. Test sets are never read.

    /usr/bin/python3 training/compare_encoder_precision.py --mams ../shared/datasets/mams/MAMS-ATSA \
        --demand src/Demand.Cli/bin/Release/net10.0/demand.dll
"""
import argparse, json, os, subprocess, tempfile
import xml.etree.ElementTree as ET


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mams", required=True, help="the MAMS-ATSA folder (val.xml is read)")
    parser.add_argument("--demand", required=True, help="the built demand.dll")
    args = parser.parse_args()
    gold = {}
    work = tempfile.mkdtemp(prefix="demand-precision-")
    with open(os.path.join(work, "in.jsonl"), "w", encoding="utf-8") as out:
        for i, sentence in enumerate(ET.parse(os.path.join(args.mams, "val.xml")).getroot().iter("sentence")):
            terms = sentence.find("aspectTerms")
            gold[str(i)] = {(int(a.get("from")), int(a.get("to"))): a.get("polarity") for a in (terms if terms is not None else [])}
            out.write(json.dumps({"id": str(i), "text": sentence.find("text").text, "language": "en"}) + "\n")
    mined = {}
    for precision in ("int8", "float"):
        path = os.path.join(work, precision + ".jsonl")
        subprocess.run(["dotnet", args.demand, "mine", "--in", os.path.join(work, "in.jsonl"), "--out", path, "--encoder", precision], check=True)
        mined[precision] = {j["id"]: {(a["from"], a["to"]): a["polarity"] for a in j["aspects"]} for j in map(json.loads, open(path, encoding="utf-8"))}
        pred = mined[precision]
        tp = sum(len(set(gold[k]) & set(pred[k])) for k in gold)
        predicted = sum(len(p) for p in pred.values())
        labelled = sum(len(g) for g in gold.values())
        correct = sum(1 for k in gold for s in set(gold[k]) & set(pred[k]) if gold[k][s] == pred[k][s])
        print(f"{precision:5} encoder: MAMS val ({len(gold)} sentences) P {tp / predicted:.3f} R {tp / labelled:.3f} "
              f"F1 {2 * tp / (predicted + labelled):.3f}; polarity accuracy {correct / tp:.3f} on {tp} matched terms")
    a, b = mined["int8"], mined["float"]
    shared = sum(len(set(a[k]) & set(b[k])) for k in a)
    same = sum(1 for k in a for s in set(a[k]) & set(b[k]) if a[k][s] == b[k][s])
    total = sum(len(v) for v in a.values()) + sum(len(v) for v in b.values())
    print(f"agreement: span F1 {2 * shared / total:.3f}, same polarity on {same / shared:.3f} of shared spans")


if __name__ == "__main__":
    main()
