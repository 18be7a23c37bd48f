#!/usr/bin/python3
"""Does `npm run attribute -- --model ...` agree with PyTorch autograd on full-size torchvision models?

For each architecture: build it from torchvision with seeded random weights (no download), give
every BatchNorm random statistics and affine parameters, export it as a user would
(`torch.onnx.export`, opset 17, eval mode, constant folding, static [1, 3, S, S] input) to a bare
model.onnx in a scratch folder (default preprocessing), and at a few block outputs compare the
CLI's `values` (`--json`) with PyTorch autograd (float64, a forward hook replacing the module's
output with alpha * A), by PyTorch module path and by ONNX tensor name, for SIMPLE and PATH (the
notebook's left Riemann sum). `--list-layers --json` must map each module path to the tensor of
the last node in its exporter scope; SIMPLE then runs by tensor name and PATH by module path
(`--both-names`: each method under both). The CLI's PATH run also gives ms per step
(`pathMs / steps`).

    /usr/bin/python3 bench/torchvision-sweep.py [--out DIR] [--steps 8] [--bn calibrated|plain]
                                                [--no-cli] [--keep] [--both-names] [ARCH ...]

ARCH: a prefix of the names in ARCHITECTURES (default: all). `--no-cli` only exports and computes
the references. Prints one line per comparison and a table per architecture; writes
DIR/results.json. Relative L2 above 1e-3 is a failure (the bar the issue sets), reported with the
layer, the ONNX node it starts at, and the CLI's error line where it failed outright. The
`float32 floor` column is PyTorch's own float32 result against its float64 one. Where a run misses
the bar, the reference is recomputed on inputs jittered as much as float32 rounding moves the
logits (`rounding_sensitivity` in make_fixtures.py): a miss within a few times that sensitivity
is a float32 coin toss at a ReLU kink or a max-pool tie, not a wrong rule.

Not part of `npm test` or `npm run bench`: the full sweep exports ~1 GB of models and runs the
CLI ~200 times (an hour or more on 2 shared cores).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision.models as tvm

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..'))
sys.path.insert(0, os.path.join(REPO, 'test', 'fixtures', 'onnx-models'))
import make_fixtures as fx  # noqa: E402  (the fixtures' export, preprocessing and autograd reference)

BAR = 1e-3


@dataclass
class Arch:
    build: callable
    layers: list[str]
    size: int = 224
    image: str = 'dog_cat_composite.png'
    notes: list[str] = field(default_factory=list)


ARCHITECTURES: dict[str, Arch] = {
    'resnet18': Arch(lambda: tvm.resnet18(), ['layer1', 'layer2.1', 'layer3', 'layer4.1']),
    'resnet50': Arch(lambda: tvm.resnet50(), ['layer1.2', 'layer2', 'layer3.3', 'layer4']),
    'resnext50_32x4d': Arch(lambda: tvm.resnext50_32x4d(), ['layer2.1', 'layer3', 'layer4.0']),
    'wide_resnet50_2': Arch(lambda: tvm.wide_resnet50_2(), ['layer2', 'layer3.5']),
    'densenet121': Arch(lambda: tvm.densenet121(), ['features.transition1', 'features.denseblock3', 'features.norm5']),
    'mobilenet_v2': Arch(lambda: tvm.mobilenet_v2(), ['features.3', 'features.7', 'features.13', 'features.18']),
    'mobilenet_v3_small': Arch(lambda: tvm.mobilenet_v3_small(), ['features.3', 'features.8', 'features.12']),
    'mobilenet_v3_large': Arch(lambda: tvm.mobilenet_v3_large(), ['features.4', 'features.10', 'features.16']),
    'efficientnet_b0': Arch(lambda: tvm.efficientnet_b0(), ['features.2', 'features.4.1', 'features.6.3', 'features.8']),
    'convnext_tiny': Arch(lambda: tvm.convnext_tiny(), ['features.1', 'features.5.4', 'features.7']),
    'squeezenet1_0': Arch(lambda: tvm.squeezenet1_0(), ['features.4', 'features.8', 'features.12']),
    'squeezenet1_1': Arch(lambda: tvm.squeezenet1_1(), ['features.4', 'features.9', 'features.12']),
    'vgg11_bn': Arch(lambda: tvm.vgg11_bn(), ['features.10', 'features.21', 'features.28']),
    'googlenet': Arch(lambda: tvm.googlenet(), ['inception3b', 'inception4c', 'inception5b']),
    'inception_v3': Arch(lambda: tvm.inception_v3(), ['Mixed_5d', 'Mixed_6b', 'Mixed_6e', 'Mixed_7c'], size=299),
    'shufflenet_v2_x1_0': Arch(lambda: tvm.shufflenet_v2_x1_0(), ['stage2', 'stage3.3', 'conv5']),
    'regnet_x_400mf': Arch(
        lambda: tvm.regnet_x_400mf(), ['trunk_output.block1', 'trunk_output.block3', 'trunk_output.block4']
    ),
    'mnasnet0_5': Arch(lambda: tvm.mnasnet0_5(), ['layers.8', 'layers.11', 'layers.16']),
    # Beyond the list above: a squeeze-excitation RegNet, EfficientNet V2, and AlexNet's 6x6 pooling.
    'regnet_y_400mf': Arch(lambda: tvm.regnet_y_400mf(), ['trunk_output.block2', 'trunk_output.block3.block3-2']),
    'efficientnet_v2_s': Arch(lambda: tvm.efficientnet_v2_s(), ['features.2', 'features.5.3']),
    'alexnet': Arch(lambda: tvm.alexnet(), ['features.5', 'features.9']),
}


def plain_random_norms(model: nn.Module, gen: torch.Generator) -> None:
    """Random BatchNorm statistics without looking at data (what a quick test script would do)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
            elif isinstance(m, nn.LayerNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


def sweep_fixture(name: str, arch: Arch) -> fx.Fixture:
    """The fixture description the reference helpers read: a bare model, default preprocessing."""
    return fx.Fixture(name, name, None, arch.size, 1000, arch.layers, arch.image, 0, 0, 0, None, None)


def run_cli(model_dir: str, image: str, layer: str, c1: int, c2: int, method: str, steps: int) -> dict:
    cmd = [
        'npm',
        'run',
        '--silent',
        'attribute',
        '--',
        '--model',
        model_dir,
        '--image',
        image,
        '--layer',
        layer,
        '--class1',
        str(c1),
        '--class2',
        str(c2),
        '--method',
        method,
        '--steps',
        str(steps),
        '--json',
    ]
    t0 = time.time()
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=1800)
    wall = time.time() - t0
    if p.returncode != 0:
        lines = [l for l in p.stderr.strip().splitlines() if l.strip() and not l.startswith('note:')]
        return {'error': lines[-1] if lines else f'exit {p.returncode}', 'wallS': wall}
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out['wallS'] = wall
    return out


def listed_tensors(model_dir: str) -> dict:
    """Module path (and alias) -> tensor, as `--list-layers --json` reports the importer's names."""
    p = subprocess.run(
        ['npm', 'run', '--silent', 'attribute', '--', '--model', model_dir, '--list-layers', '--json'],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if p.returncode != 0:
        return {'error': p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f'exit {p.returncode}'}
    names = {}
    for layer in json.loads(p.stdout.strip().splitlines()[-1])['layers']:
        for name in [layer['name'], *layer.get('aliases', [])]:
            names[name] = layer.get('tensor')
    return names


def first_node_after(model: onnx.ModelProto, tensor: str) -> str:
    consumers = [n for n in model.graph.node if tensor in n.input]
    return ', '.join(f'{n.op_type} {n.name}' for n in consumers) or '(graph output)'


def sweep(name: str, arch: Arch, args) -> dict:
    print(f'\n== {name} ==', flush=True)
    torch.manual_seed(0)
    model = arch.build()
    f = sweep_fixture(name, arch)
    gen = torch.Generator().manual_seed(1)
    if args.bn == 'calibrated':
        photos = sorted(p for p in os.listdir(fx.IMAGES) if p.endswith('.png'))
        fx.randomise(model, gen, torch.cat([fx.network_input(f, p) for p in photos]).float())
    else:
        plain_random_norms(model, gen)
    model.eval()

    t0 = time.time()
    proto = fx.export_onnx(model, arch.size)
    folder = os.path.join(args.out, name)
    os.makedirs(folder, exist_ok=True)
    onnx.save(proto, os.path.join(folder, 'model.onnx'))
    ops = fx.op_types(proto)
    print(f'exported in {time.time() - t0:.0f} s, {os.path.getsize(os.path.join(folder, "model.onnx")) / 2**20:.0f} MB')
    print(f'ops: {" ".join(ops)}')

    reference = copy.deepcopy(model).double().eval()
    x = fx.network_input(f, arch.image)
    with torch.no_grad():
        logits = reference(x)[0]
        logits_gap = float((model(x.float())[0].double() - logits).norm() / logits.norm())
    # The top class against the bottom one: two near-equal logits would make the score a small
    # difference of large gradients, and its rounding noise would hide what the rules do.
    c1, c2 = int(logits.argmax()), int(logits.argmin())
    image = os.path.join(fx.IMAGES, arch.image)
    shapes = fx.tensor_shapes(proto)

    result = {'arch': name, 'size': arch.size, 'ops': ops, 'class1': c1, 'class2': c2, 'layers': []}
    names = {} if args.no_cli else listed_tensors(folder)
    if 'error' in names:
        print(f'--list-layers failed: {names["error"]}', flush=True)
    for module_path in arch.layers:
        tensor = fx.module_output_tensor(proto, module_path)
        t0 = time.time()
        ref = fx.attributions(reference, x, module_path, c1, c2, args.steps)
        single = fx.attributions(model, x.float(), module_path, c1, c2, args.steps)
        assert shapes.get(tensor) == ref['shape'], (module_path, tensor, shapes.get(tensor), ref['shape'])
        floor = {m: fx.relative_l2(single[m], ref[m]) for m in ['simple', 'path']}
        entry = {
            'module': module_path,
            'tensor': tensor,
            'shape': ref['shape'],
            'next': first_node_after(proto, tensor),
            'float32Floor': floor,
            'referenceS': time.time() - t0,
            'runs': [],
        }
        print(
            f'{module_path} = {tensor} {ref["shape"]}; float32 floor SIMPLE {floor["simple"]:.1e} PATH {floor["path"]:.1e}',
            flush=True,
        )
        if not args.no_cli:
            entry['listedTensor'] = names.get(module_path)
            if entry['listedTensor'] != tensor:
                print(f'  NAME: --list-layers gives {module_path} = {entry["listedTensor"]}, the exporter scope {tensor}')
            plan = [(n, m) for n in [module_path, tensor] for m in ['simple', 'path']]
            if not args.both_names:
                # The two names resolve to one tensor (checked above), so each method runs under one of them.
                plan = [(tensor, 'simple'), (module_path, 'path')]
            for layer_name, method in plan:
                out = run_cli(folder, image, layer_name, c1, c2, method, args.steps)
                run = {'layer': layer_name, 'method': method, 'wallS': out['wallS']}
                if 'error' in out:
                    run['error'] = out['error']
                    print(f'  {method:6s} {layer_name}: FAILED: {out["error"]}', flush=True)
                else:
                    run['relL2'] = fx.relative_l2(out['values'], ref[method])
                    run['relL2VsFloat32'] = fx.relative_l2(out['values'], single[method])
                    if method == 'path' and out.get('pathMs') is not None:
                        run['msPerStep'] = out['pathMs'] / out.get('steps', args.steps)
                    run['scoreGap'] = abs(out.get('score', float('nan')) - ref['score'])
                    flag = 'ok' if run['relL2'] <= BAR else 'FAIL'
                    extra = f', {run["msPerStep"]:.0f} ms/step' if 'msPerStep' in run else ''
                    print(
                        f'  {method:6s} {layer_name}: rel L2 {run["relL2"]:.1e} {flag}'
                        f' (vs PyTorch float32 {run["relL2VsFloat32"]:.1e})'
                        f' (score {out.get("score", float("nan")):.4f} vs {ref["score"]:.4f}{extra};'
                        f' {out["wallS"]:.0f} s wall)',
                        flush=True,
                    )
                entry['runs'].append(run)
            unexplained = [r for r in entry['runs'] if r.get('relL2', 0) > max(BAR, 3 * floor[r['method']])]
            if unexplained:
                # Past the bar and past PyTorch's own float32 error: rounding elsewhere, or a wrong
                # rule? See how far float32-sized noise alone moves the reference.
                sensitivity = fx.rounding_sensitivity(
                    reference, x, module_path, c1, c2, args.steps, ref, logits_gap
                )
                entry['roundingSensitivity'] = sensitivity
                print(
                    f'  sensitivity to float32 rounding: SIMPLE {sensitivity["simple"]:.1e},'
                    f' PATH {sensitivity["path"]:.1e}',
                    flush=True,
                )
        result['layers'].append(entry)
    if not args.keep:
        shutil.rmtree(folder)
    return result


def verdict(layer: dict, run: dict) -> str:
    """ok within the bar; `float32` where float32 rounding alone moves the reference that far; else FAIL."""
    if 'error' in run:
        return 'error'
    if run['relL2'] <= BAR:
        return 'ok'
    noise = max(layer['float32Floor'][run['method']], layer.get('roundingSensitivity', {}).get(run['method'], 0.0))
    return 'float32' if run['relL2'] <= 3 * noise else 'FAIL'


def summary_row(r: dict) -> str:
    verdicts = [verdict(layer, run) for layer in r['layers'] for run in layer['runs']]
    runs = [run for layer in r['layers'] for run in layer['runs']]
    worst = max((run['relL2'] for run in runs if 'relL2' in run), default=float('nan'))
    ms = [run['msPerStep'] for run in runs if 'msPerStep' in run]
    floor = max(max(layer['float32Floor'].values()) for layer in r['layers'])
    names = all(layer.get('listedTensor') == layer['tensor'] for layer in r['layers'])
    misses = ', '.join(f'{verdicts.count(v)} {v}' for v in ['float32', 'FAIL', 'error'] if verdicts.count(v))
    return (
        f'| {r["arch"]} | {r["size"]} | {", ".join(layer["module"] for layer in r["layers"])} | '
        f'{"ok" if names else "MISMATCH"} | {verdicts.count("ok")}/{len(verdicts)} | {misses or "-"} | '
        f'{worst:.1e} | {floor:.1e} | {(f"{min(ms):.0f}-{max(ms):.0f}" if ms else "-")} | {" ".join(r["ops"])} |'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('arch', nargs='*')
    parser.add_argument('--out', default=os.path.join(tempfile.gettempdir(), 'torchvision-sweep'))
    parser.add_argument('--steps', type=int, default=8)
    parser.add_argument('--bn', choices=['calibrated', 'plain'], default='calibrated')
    parser.add_argument('--no-cli', action='store_true')
    parser.add_argument('--keep', action='store_true', help='keep the exported models in --out')
    parser.add_argument('--both-names', action='store_true', help='run each method under both layer names')
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get('TORCH_THREADS', '1')))
    names = [n for n in ARCHITECTURES if not args.arch or any(n.startswith(a) for a in args.arch)]
    os.makedirs(args.out, exist_ok=True)
    results = []
    for name in names:
        try:
            results.append(sweep(name, ARCHITECTURES[name], args))
        except Exception as e:  # one architecture's failure must not hide the others'
            print(f'{name}: sweep failed: {type(e).__name__}: {e}', flush=True)
            results.append({'arch': name, 'size': ARCHITECTURES[name].size, 'ops': {}, 'layers': [], 'error': str(e)})
        with open(os.path.join(args.out, 'results.json'), 'w') as f:
            json.dump({'steps': args.steps, 'bn': args.bn, 'results': results}, f, indent=1)
    print(
        '\n| architecture | px | layers | names | within 1e-3 | misses | worst rel. L2 | PyTorch float32 floor |'
        ' ms/step | ops |'
    )
    print('|---|---|---|---|---|---|---|---|---|---|')
    for r in results:
        print(summary_row(r) if r['layers'] else f'| {r["arch"]} | | | | | sweep failed: {r.get("error")} | | | | |')


if __name__ == '__main__':
    main()
