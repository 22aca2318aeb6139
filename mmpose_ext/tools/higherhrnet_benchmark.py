"""HigherHRNet figures in one run: parameters, GFLOPs, the AE loss's share of a training step, inference images/s
with flip test, single- and multi-scale, batch 1 against a padded batch, with the profile of each image (network,
device-side and host-side decoding ms, groups decoded), and the decoding of real-looking maps of ``--decode-persons``
persons at the input size (all on the device mmengine picks).

    python tools/analysis/higherhrnet_benchmark.py configs/higherhrnet/ae_higherhrnet-w32_coco-512x512.py \
        --train-batch 2 --infer-batches 1 4 --scales 2 0.5 --out work_dirs/higherhrnet_bench.json

The model is initialised as training initialises it (``init_weights()``: the head's N(0, 0.001) convolutions; an
ImageNet ``Pretrained`` backbone is left random), so its maps are those of an untrained network, not of a random
one whose maps exceed the detection threshold everywhere.
"""
from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.optim import build_optim_wrapper
from mmpose.structures import PoseDataSample

from mmpose_ext.analysis.benchmark import build_model, fake_batch, model_input_size, time_steps
from mmpose_ext.utils.complexity import count_gflops
from mmpose_ext.tools.grouping_benchmark import synthetic_ae_outputs
from mmpose_ext.utils import synchronize


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


def _samples(batch_size: int, input_size: Sequence[int], flip_indices: List[int]) -> List[PoseDataSample]:
    w, h = input_size
    samples = []
    for _ in range(batch_size):
        s = PoseDataSample()
        s.set_metainfo(dict(flip_indices=flip_indices, batch_input_shape=(h, w), input_size=np.array([w, h]),
                            input_center=np.array([w / 2, h / 2]), input_scale=np.array([w, h])))
        samples.append(s)
    return samples


def infer_rate(model: torch.nn.Module, batch_size: int, input_size: Sequence[int], scales: Sequence[float],
               flip_indices: List[int], device: str, warmup: int, iters: int) -> Dict[str, float]:
    """Images per second of ``predict`` (flip test, aggregation, grouping) on random images, and per image: the
    network alone (backbone and head on original and flipped images), the decoder's device-side and host-side
    milliseconds, the rest (flip-back, aggregation and resizing to the input size: device ops), and groups."""
    w, h = input_size
    x = torch.randn(batch_size, 3, h, w, device=device)
    inputs: Any = x
    if scales:
        inputs = [x] + [torch.randn(batch_size, 3, int(h * s), int(w * s), device=device) for s in scales]
    samples = _samples(batch_size, input_size, flip_indices)
    model.eval()
    codec = model.head.decoder
    groups: List[int] = []

    def run() -> None:
        with torch.no_grad():
            out = model.predict(inputs, samples)
        groups.extend(len(d.pred_instances) for d in out)

    def network() -> None:
        with torch.no_grad():
            for x in (inputs if scales else [inputs]):
                for view in model._features(x, True):
                    model.head.forward(view)

    seconds = time_steps(run, device, warmup, iters)
    codec.profile = {}
    time_steps(run, device, 0, iters)
    decode = {k: v / (iters * batch_size) for k, v in codec.profile.items()}
    codec.profile = None
    net = time_steps(network, device, 0, iters) * 1e3 / batch_size
    total = seconds * 1e3 / batch_size
    return dict(img_s=batch_size / seconds, total_ms=total, network_ms=net,
                decode_device_ms=decode.get('device', 0.0), decode_host_ms=decode.get('host', 0.0),
                other_device_ms=total - net - sum(decode.values()), groups_per_image=float(np.mean(groups)))


def decode_profile(codec: Any, persons: int, device: str, flip: bool = True, images: int = 2,
                   iters: int = 3) -> Dict[str, float]:
    """Decoding time of real-looking maps at the codec's heatmap size (``persons`` persons with Gaussian peaks and
    per-person tags, 10% of joints missing, 2 spurious peaks per joint; L = 2 tags with flip), ms per image."""
    W, H = codec.heatmap_size
    K = len(codec.decode_keypoint_order)
    heatmaps, tags = synthetic_ae_outputs(images, K, (W, H), persons=persons, false_peaks=2,
                                          tag_dim=2 if flip else 1, seed=0)
    heatmaps, tags = heatmaps.to(device), tags.to(device)
    out = codec.batch_decode(heatmaps, tags)  # warm-up
    codec.profile = {}
    synchronize(device)
    start = time.perf_counter()
    for _ in range(iters):
        out = codec.batch_decode(heatmaps, tags)
    synchronize(device)
    total = (time.perf_counter() - start) * 1e3 / (iters * images)
    profile = {k: v / (iters * images) for k, v in codec.profile.items()}
    codec.profile = None
    return dict(persons=persons, map_size=[W, H], total_ms=total, device_ms=profile.get('device', 0.0),
                host_ms=profile.get('host', 0.0), groups_per_image=float(np.mean([len(k) for k in out[0]])))


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
    parser.add_argument('--skip', nargs='*', default=[], choices=['train', 'infer', 'multiscale', 'decode'])
    parser.add_argument('--decode-persons', type=int, default=20,
                        help='persons in the real-looking maps of the decoding profile (at the input size)')
    parser.add_argument('--out', help='write the figures to this JSON file')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    device = get_device()
    input_size = model_input_size(cfg)
    backbone_init = cfg.model.backbone.get('init_cfg')
    if isinstance(backbone_init, dict) and backbone_init.get('type') == 'Pretrained':
        cfg.model.backbone.init_cfg = None  # no download: the speed does not depend on the backbone's weights
    model = build_model(cfg)
    model.init_weights()  # as training starts: the head's N(0, 0.001) init gives an untrained model's maps
    model = model.to(device)
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
            prof = infer_rate(model, batch, input_size, scales, flip_indices, device, args.warmup, args.iters)
            figures[f'infer_{name}_b{batch}_img_s'] = prof['img_s']
            figures[f'infer_{name}_b{batch}_profile'] = prof
            print(f'inference, flip test, {name}-scale {[1.0] + list(scales)}, batch {batch}: {prof["img_s"]:.3f} '
                  f'img/s; per image: network {prof["network_ms"]:.1f} ms, flip-back/aggregation/resize '
                  f'{prof["other_device_ms"]:.1f} ms, decoding {prof["decode_device_ms"]:.1f} ms device-side + '
                  f'{prof["decode_host_ms"]:.1f} ms host-side, {prof["groups_per_image"]:.1f} groups')
    if 'decode' not in args.skip:
        codec = copy.deepcopy(model.head.decoder)
        codec.heatmap_size = tuple(input_size)  # the test decodes maps projected to the input size
        prof = decode_profile(codec, args.decode_persons, device)
        figures['decode_profile'] = prof
        print(f'decoding {prof["persons"]} real-looking persons at {prof["map_size"]}, flip tags: '
              f'{prof["total_ms"]:.1f} ms per image ({prof["device_ms"]:.1f} device-side, {prof["host_ms"]:.1f} '
              f'host-side), {prof["groups_per_image"]:.1f} groups')
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, indent=2))
    return figures
