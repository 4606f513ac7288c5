#!/usr/bin/env python3
"""PyTorch eager inference of the shipped ONNX MLP, for `demand bench score`'s same-run comparison.

Rebuilds the torch module from the ONNX initializers (standardisation + Linear/ReLU stack + sigmoid), checks it
against the parity fixture, then times eager inference on the given features in batches.
Usage: bench_torch.py MODEL.onnx FEATURES.f32 NFEATURES BATCH
"""
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper


def build(model_path):
    graph = onnx.load(model_path).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    mean = torch.tensor(weights["mean"]) if "mean" in weights else None
    std = torch.tensor(weights["std"]) if "std" in weights else None
    layers = []
    for node in graph.node:
        if node.op_type == "Gemm":
            w, b = weights[node.input[1]], weights[node.input[2]]
            transposed = any(a.name == "transB" and a.i == 1 for a in node.attribute)
            w = w if transposed else w.T
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            linear.weight.data, linear.bias.data = torch.tensor(w), torch.tensor(b)
            layers.append(linear)
        elif node.op_type == "Relu":
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).eval()

    def forward(x):
        if mean is not None:
            x = (x - mean) / std
        return torch.sigmoid(net(x))
    return forward


def main():
    model, features, n_features, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(1)
    forward = build(model)
    fixture = json.load(open(os.path.splitext(model)[0] + ".parity.json"))
    with torch.no_grad():
        got = forward(torch.tensor(fixture["inputs"], dtype=torch.float32)).squeeze(1).numpy()
    parity = float(np.abs(got - np.array(fixture["expected"])).max())
    x = np.fromfile(features, dtype=np.float32).reshape(-1, n_features)
    with torch.no_grad():
        forward(torch.tensor(x[:batch]))
        seconds = float("inf")
        for _ in range(3):  # best of three, as the C# side does
            start = time.perf_counter()
            for i in range(0, len(x), batch):
                forward(torch.from_numpy(x[i:i + batch]))
            seconds = min(seconds, time.perf_counter() - start)
    print(json.dumps({"rows": len(x), "seconds": seconds, "rows_per_second": len(x) / seconds, "parity_max_abs_diff": parity}))


if __name__ == "__main__":
    main()
