#!/usr/bin/env python3
"""Writes <model>.parity.json for an exported English aspect head: loads the ONNX initializers back into the PyTorch
Head of train_miner.py and records its outputs (eval mode) on random inputs with padding, so the C# parity test
checks ONNX Runtime against PyTorch on the weights that ship."""
import argparse, json
import numpy as np
import onnx
from onnx import numpy_helper
import torch
from train_miner import Head, Exported, D


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/miner-en-head.onnx")
    args = ap.parse_args()
    proto = onnx.load(args.model)
    init = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    matmuls = [n.input[1] for n in proto.graph.node if n.op_type == "MatMul" and n.input[1] in init]
    h = init["head.inp.bias"].shape[0]
    head = Head(h)
    state = {
        "inp.weight": init[matmuls[0]].T, "inp.bias": init["head.inp.bias"],
        "conv.weight": init["head.conv.weight"], "conv.bias": init["head.conv.bias"],
        "tag.weight": init[matmuls[1]].T, "tag.bias": init["head.tag.bias"],
        "pol.0.weight": init[matmuls[2]].T, "pol.0.bias": init["head.pol.0.bias"],
        "pol.2.weight": init[matmuls[3]].T, "pol.2.bias": init["head.pol.2.bias"],
    }
    head.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    model = Exported(head).eval()
    torch.manual_seed(7)
    x = torch.randn(2, 7, D).round(decimals=5); m = torch.ones(2, 7); m[1, 5:] = 0
    with torch.no_grad():
        t, p = model(x, m)
    json.dump({"hidden": x.numpy().tolist(), "mask": m.numpy().tolist(), "tags": t.numpy().tolist(), "polarity": p.numpy().tolist()},
              open(args.model.replace(".onnx", ".parity.json"), "w"))
    print(f"wrote parity for {args.model} (hidden {h})")


if __name__ == "__main__":
    main()
