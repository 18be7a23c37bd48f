"""The plain PyTorch script a user would write instead of this project, as a bench anchor.

Runs the notebook's path (left Riemann, alpha = k/N) from an attribution layer to the logits:
for each batch of alphas, forward from alpha * A to the logits, score = logit[class1] -
logit[class2], and the input gradient at the layer by autograd. Eager PyTorch, channels_last,
on `--threads` threads: what PyTorch's oneDNN does with the same network.

The network comes from the project itself (bench/_pytorch.ts writes it): its description
(nodes in topological order, TensorFlow semantics, NHWC shapes) as JSON and its weights as one
float32 blob, so both sides run the same weights on the same activations A. Commands arrive one
JSON object a line on stdin, and each answer is one JSON line on stdout, so a bench can
interleave PyTorch runs with its own in one process run:

  {"cmd": "path", "batch": 25, "steps": 100, "values": false}
      -> {"ms": wall, "cpuMs": process CPU time, "values": [per-channel attributions] (when asked)}
  {"cmd": "quit"}

Run by the bench as `/usr/bin/python3 bench/pytorch-path.py DIR` (Debian's python3-torch).
"""

import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def same_pads(size, k, s):
    """TensorFlow's SAME padding of one dimension: the extra goes after."""
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Network(torch.nn.Module):
    """The nodes after `layer`, as PyTorch ops on NCHW (channels_last) tensors."""

    def __init__(self, folder):
        super().__init__()
        with open(f"{folder}/network.json") as f:
            spec = json.load(f)
        blob = np.fromfile(f"{folder}/weights.bin", dtype=np.float32)
        self.layer = spec["layer"]
        self.shapes = {n["name"]: n["shape"] for n in spec["nodes"]}
        self.shapes[self.layer] = spec["layerShape"]
        self.nodes = spec["nodes"]
        self.params = {}
        for w in spec["weights"]:
            t = blob[w["offset"] : w["offset"] + int(np.prod(w["shape"]))].reshape(w["shape"])
            if len(w["shape"]) == 4:  # HWIO -> OIHW
                t = np.ascontiguousarray(t.transpose(3, 2, 0, 1))
                p = torch.from_numpy(t).contiguous(memory_format=torch.channels_last)
            else:
                p = torch.from_numpy(np.ascontiguousarray(t))
            self.params[w["name"]] = p

    def forward(self, x):
        values = {self.layer: x}
        for n in self.nodes:
            op, a = n["op"], n["attrs"]
            inp = values[n["inputs"][0]]
            if op == "Conv2D":
                w = self.params[n["params"][0]]
                kh, kw = w.shape[2], w.shape[3]
                sh, sw = a.get("strides", [1, 1])
                h, wd = self.shapes[n["inputs"][0]][:2]
                t, b = same_pads(h, kh, sh) if a["padding"] == "SAME" else (0, 0)
                l, r = same_pads(wd, kw, sw) if a["padding"] == "SAME" else (0, 0)
                if t == b and l == r:
                    y = F.conv2d(inp, w, stride=(sh, sw), padding=(t, l))
                else:
                    y = F.conv2d(F.pad(inp, (l, r, t, b)), w, stride=(sh, sw))
            elif op == "BiasAdd":
                bias = self.params[n["params"][0]]
                y = inp + (bias.view(1, -1, 1, 1) if inp.dim() == 4 else bias)
            elif op == "Relu":
                y = F.relu(inp)
            elif op in ("MaxPool", "AvgPool"):
                kh, kw = a["kernel"]
                sh, sw = a["strides"]
                h, wd = self.shapes[n["inputs"][0]][:2]
                t, b = same_pads(h, kh, sh) if a["padding"] == "SAME" else (0, 0)
                l, r = same_pads(wd, kw, sw) if a["padding"] == "SAME" else (0, 0)
                if op == "MaxPool":
                    if t == b and l == r:
                        y = F.max_pool2d(inp, (kh, kw), (sh, sw), padding=(t, l))
                    else:
                        y = F.max_pool2d(F.pad(inp, (l, r, t, b), value=-math.inf), (kh, kw), (sh, sw))
                else:
                    if (t, b, l, r) != (0, 0, 0, 0):
                        raise ValueError(f"padded average pool {n['name']} is not supported here")
                    y = F.avg_pool2d(inp, (kh, kw), (sh, sw))
            elif op == "ConcatV2":
                y = torch.cat([values[i] for i in n["inputs"]], dim=1)
            elif op == "Reshape":
                # NHWC flattening order.
                y = inp.permute(0, 2, 3, 1).reshape(inp.shape[0], -1) if inp.dim() == 4 else inp
            elif op == "MatMul":
                y = inp @ self.params[n["params"][0]]
            else:
                raise ValueError(f"op {op} (node {n['name']}) has no PyTorch rule here")
            values[n["name"]] = y
        return values[self.nodes[-1]["name"]]


def main():
    folder = sys.argv[1]
    with open(f"{folder}/network.json") as f:
        spec = json.load(f)
    torch.set_num_threads(int(spec["threads"]))
    net = Network(folder).eval()
    h, w, c = spec["layerShape"]
    acts = torch.from_numpy(np.fromfile(f"{folder}/acts.bin", dtype=np.float32).reshape(1, h, w, c)).permute(0, 3, 1, 2)
    acts = acts.contiguous(memory_format=torch.channels_last)
    c1, c2 = spec["class1"], spec["class2"]

    def path(batch, steps, want_values):
        total = torch.zeros(1, c, h, w).contiguous(memory_format=torch.channels_last)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for s in range(0, steps, batch):
            n = min(batch, steps - s)
            alphas = torch.arange(s, s + n, dtype=torch.float32).div_(steps).view(n, 1, 1, 1)
            x = (alphas * acts).contiguous(memory_format=torch.channels_last).requires_grad_(True)
            logits = net(x)
            (logits[:, c1] - logits[:, c2]).sum().backward()
            total += x.grad.sum(0, keepdim=True)
        ms = (time.perf_counter() - t0) * 1000
        out = {"ms": ms, "cpuMs": (time.process_time() - c0) * 1000}
        if want_values:
            out["values"] = (total / steps * acts).sum((0, 2, 3)).tolist()
        return out

    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        if cmd["cmd"] == "path":
            print(json.dumps(path(cmd["batch"], cmd["steps"], cmd.get("values", False))), flush=True)


if __name__ == "__main__":
    main()
