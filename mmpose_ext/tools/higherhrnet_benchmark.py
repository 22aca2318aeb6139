"""HigherHRNet figures in one run: parameters, GFLOPs, the AE loss's share of a training step, and inference
images/s with flip test, single- and multi-scale, batch 1 against a padded batch (all on the device mmengine picks).

    python tools/analysis/higherhrnet_benchmark.py configs/higherhrnet/ae_higherhrnet-w32_coco-512x512.py \
        --train-batch 2 --infer-batches 1 4 --scales 2 0.5 --out work_dirs/higherhrnet_bench.json
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.optim import build_optim_wrapper
from mmpose.structures import PoseDataSample

from mmpose_ext.analysis.benchmark import build_model, fake_batch, model_input_size, time_steps
from mmpose_ext.analysis.complexity import count_gflops


def loss_share(cfg: Config, model: torch.nn.Module, batch_size: int, input_size: Sequence[int], device: str,
               warmup: int, iters: int) -> Dict[str, float]:
    """Seconds of a whole training step and of the AE loss (forward + backward from the tag maps) on one batch."""
    batch = fake_batch(cfg, batch_size, input_size)
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    step = time_steps(lambda: model.train_step(batch, optim_wrapper), device, warmup, iters)
    data = model.data_preprocessor(batch, training=True)
    with torch.no_grad():
        outputs = model.head(model.extract_feat(data['inputs']))
    heatmaps, tags = model.head.split_outputs(outputs)
    indices = [d.gt_instance_labels.keypoint_indices for d in data['data_samples']]
    ae = model.head.loss_module.ae_losses[0]
    tag = tags[0].detach().clone().requires_grad_(True)

    def ae_step() -> None:
        pull, push = ae(tag, indices)
        (pull + push).backward()

    ae_seconds = time_steps(ae_step, device, warmup, iters)
    return dict(train_step_s=step, ae_loss_s=ae_seconds, ae_loss_share=ae_seconds / step)


def infer_rate(model: torch.nn.Module, batch_size: int, input_size: Sequence[int], scales: Sequence[float],
               flip_indices: List[int], device: str, warmup: int, iters: int) -> float:
    """Images per second of ``predict`` (flip test, aggregation, grouping) on random images."""
    w, h = input_size
    x = torch.randn(batch_size, 3, h, w, device=device)
    inputs: Any = x
    if scales:
        inputs = [x] + [torch.randn(batch_size, 3, int(h * s), int(w * s), device=device) for s in scales]
    samples = []
    for _ in range(batch_size):
        s = PoseDataSample()
        s.set_metainfo(dict(flip_indices=flip_indices, batch_input_shape=(h, w), input_size=np.array([w, h]),
                            input_center=np.array([w / 2, h / 2]), input_scale=np.array([w, h])))
        samples.append(s)
    model.eval()

    def run() -> None:
        with torch.no_grad():
            model.predict(inputs, samples)

    return batch_size / time_steps(run, device, warmup, iters)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='HigherHRNet parameters, GFLOPs, AE-loss share of a training '
                                     'step and flip-test inference speed (single/multi-scale, batch 1/batched)')
    parser.add_argument('config')
    parser.add_argument('--train-batch', type=int, default=2)
    parser.add_argument('--infer-batches', type=int, nargs='+', default=[1, 4])
    parser.add_argument('--scales', type=float, nargs='*', default=[2.0, 0.5],
                        help='extra test scales besides 1 for the multi-scale figure (reference: 2 0.5)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--skip', nargs='*', default=[], choices=['train', 'infer', 'multiscale'])
    parser.add_argument('--out', help='write the figures to this JSON file')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    device = get_device()
    input_size = model_input_size(cfg)
    model = build_model(cfg).to(device)
    figures: Dict[str, Any] = dict(config=args.config, device=device, input_size=list(input_size),
                                   threads=torch.get_num_threads(),
                                   params_m=sum(p.numel() for p in model.parameters()) / 1e6,
                                   gflops=count_gflops(model, input_size, device))
    print(f'params {figures["params_m"]:.3f} M, GFLOPs {figures["gflops"]:.2f} at {input_size}')
    if 'train' not in args.skip:
        figures.update(loss_share(cfg, model, args.train_batch, input_size, device, args.warmup, args.iters))
        print(f'training step (batch {args.train_batch}) {figures["train_step_s"]:.3f} s, AE loss '
              f'{figures["ae_loss_s"] * 1e3:.2f} ms = {100 * figures["ae_loss_share"]:.2f}% of the step')
    flip_indices = list(range(cfg.model.head.num_keypoints))
    model.test_cfg['flip_test'] = True
    modes = [('single', [])] if 'infer' not in args.skip else []
    if 'multiscale' not in args.skip:
        modes.append(('multi', args.scales))
    for name, scales in modes:
        for batch in args.infer_batches:
            rate = infer_rate(model, batch, input_size, scales, flip_indices, device, args.warmup, args.iters)
            figures[f'infer_{name}_b{batch}_img_s'] = rate
            print(f'inference, flip test, {name}-scale {[1.0] + list(scales)}, batch {batch}: {rate:.3f} img/s')
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, indent=2))
    return figures
