#!/usr/bin/env python3
"""Writes <model>.parity.json for an exported English aspect head: loads the ONNX initializers back into the PyTorch
Ensemble of Heads of train_miner.py (by name: train_miner.py exports without constant folding; the head's shape is in the model's
`head` metadata) and records its outputs (eval mode) on random inputs with padding, so the C# parity test checks ONNX
Runtime against PyTorch on the weights that ship."""
import argparse, json
import numpy as np
import onnx
from onnx import numpy_helper
import torch
from train_miner import Head, Ensemble, Exported, D


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/miner-en-head.onnx")
    args = ap.parse_args()
    proto = onnx.load(args.model)
    meta = {p.key: p.value for p in proto.metadata_props}
    config = json.loads(meta["head"])
    init = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    # miner-en-3 on: an ensemble of `members` heads (older heads were a single Head, their names without "members.k.").
    head = Ensemble([Head(config["hidden"], layers=config["layers"], heads=config["heads"]) for _ in range(config.get("members", 1))], config.get("polarity_members"))
    # The exporter merges initializers with identical values (untrained LayerNorms): only trained heads load back.
    # The polarity layers of members left out of the polarity average are not in the graph (the exporter drops them).
    unused = tuple(f"members.{k}.{part}." for k in range(len(head.members)) if k not in head.polarity for part in ("query", "pol"))
    missing = [k for k in head.state_dict() if "head." + k not in init and not k.startswith(unused)]
    assert not missing, f"initializers merged or renamed at export: {missing}"
    state = {k: torch.from_numpy(np.array(init["head." + k])) for k in head.state_dict() if "head." + k in init}
    head.load_state_dict(state, strict=False)
    model = Exported(head).eval()
    torch.manual_seed(7)
    x = torch.randn(2, 7, D).round(decimals=5); m = torch.ones(2, 7); m[1, 5:] = 0
    with torch.no_grad():
        t, p = model(x, m)
    json.dump({"hidden": x.numpy().tolist(), "mask": m.numpy().tolist(), "tags": t.numpy().tolist(), "polarity": p.numpy().tolist()},
              open(args.model.replace(".onnx", ".parity.json"), "w"))
    print(f"wrote parity for {args.model} ({meta['model_version']}, {config})")


if __name__ == "__main__":
    main()
