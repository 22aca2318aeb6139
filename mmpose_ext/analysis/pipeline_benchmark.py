"""Per-sample cost of PoseFix's training data pipeline against mmpose's standard top-down one, in one run.

Both pipelines read the same persons of the same images at the same input size; each sample is timed as
``dataset[i]`` does it (``get_data_info`` then every transform), the two pipelines alternating sample by sample so
that both see the same machine state. The input-pose maps are rendered in the model on its device, not in the
pipeline; their CPU cost per sample is timed here too, batched as the model renders them.
"""
from __future__ import annotations

import copy
import json
import os.path as osp
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmpose.registry import DATASETS

from mmpose_ext.datasets.posefix_inputs import ground_truth_with_errors


@dataclass
class PipelineTiming:
    """Mean milliseconds per sample of one pipeline, in total and per step (``get_data_info``, each transform)."""
    name: str
    ms_per_sample: float
    steps: Dict[str, float] = field(default_factory=dict)


def _train_dataset(cfg: Config, data_root: str, ann_file: str, img_prefix: str, **extra):
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.update(data_root=data_root, ann_file=ann_file, data_prefix=dict(img=img_prefix), **extra)
    return DATASETS.build(dataset_cfg)


def _timed_sample(dataset, index: int, steps: Dict[str, float]) -> dict:
    """``dataset[index]`` step by step, adding each step's seconds to ``steps``."""
    start = time.perf_counter()
    data = dataset.get_data_info(index)
    data['dataset'] = dataset
    steps['get_data_info'] += time.perf_counter() - start
    transforms = dataset.pipeline.transforms if isinstance(dataset.pipeline, Compose) else [dataset.pipeline]
    for transform in transforms:
        start = time.perf_counter()
        data = transform(data)
        steps[type(transform).__name__] += time.perf_counter() - start
        if data is None:
            raise RuntimeError(f'{type(transform).__name__} rejected sample {index} of {type(dataset).__name__}')
    return data


def _render_seconds(samples: List[dict], input_size, sigma: float, batch_size: int, repeats: int) -> float:
    """Seconds per sample to turn packed samples' input poses into maps on the CPU, in batches."""
    from mmpose_ext.models.estimators.posefix_estimator import render_pose_gaussians

    metas = [s['data_samples'].metainfo for s in samples]
    batches = [[metas[(b + i) % len(metas)] for i in range(batch_size)] for b in range(0, len(metas), batch_size)]

    def render(batch):
        points = torch.from_numpy(np.stack([np.asarray(m['input_keypoints'], np.float32)[0] for m in batch]))
        flags = torch.from_numpy(np.stack([np.asarray(m['input_keypoints_visible'], np.float32)[0] for m in batch]))
        return render_pose_gaussians(points, flags, tuple(input_size), sigma, 1.0)

    render(batches[0])  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        for batch in batches:
            render(batch)
    return (time.perf_counter() - start) / (repeats * len(batches) * batch_size)


def benchmark_pipelines(standard_config: str, posefix_config: str, data_root: str, ann_file: str,
                        img_prefix: str = '', estimated_results_file: Optional[str] = None, rounds: int = 10,
                        warmup: int = 2, seed: int = 0) -> Dict[str, object]:
    """Times both configs' training pipelines on the same persons.

    Args:
        standard_config: config whose ``train_dataloader`` is mmpose's standard top-down pipeline.
        posefix_config: PoseFix data config (``PoseFixCocoDataset`` + ``SynthesizePoseErrors``), same input size.
        data_root, ann_file, img_prefix: the COCO-format data both read.
        estimated_results_file: the train-set estimate PoseFix needs; ``None`` makes one from the ground truth
            with synthesised errors (:func:`~mmpose_ext.datasets.posefix_inputs.ground_truth_with_errors`).
        rounds: timed passes over all persons; ``warmup``: untimed passes first.
        seed: numpy seed of the random augmentations.

    Returns:
        ``standard`` / ``posefix`` :class:`PipelineTiming`, ``render_ms`` (CPU, per sample), the ratios
        ``pipeline_ratio`` and ``with_render_ratio``, ``num_samples`` and the input size.
    """
    standard_cfg, posefix_cfg = Config.fromfile(standard_config), Config.fromfile(posefix_config)
    sizes = {tuple(cfg.codec['input_size']) for cfg in (standard_cfg, posefix_cfg)}
    if len(sizes) != 1:
        raise ValueError(f'the two configs have different input sizes {sorted(sizes)}; compare at the same size')
    with tempfile.TemporaryDirectory() as tmp:
        if estimated_results_file is None:
            estimated_results_file = osp.join(tmp, 'estimated.json')
            with open(estimated_results_file, 'w') as f:
                json.dump(ground_truth_with_errors(osp.join(data_root, ann_file), seed=seed), f)
        standard = _train_dataset(standard_cfg, data_root, ann_file, img_prefix)
        posefix = _train_dataset(posefix_cfg, data_root, ann_file, img_prefix,
                                 estimated_results_file=estimated_results_file)
    ids = [standard.get_data_info(i)['id'] for i in range(len(standard))]
    if ids != [posefix.get_data_info(i)['id'] for i in range(len(posefix))]:
        raise ValueError('the two datasets do not hold the same persons in the same order')

    np.random.seed(seed)
    totals = {'standard': defaultdict(float), 'posefix': defaultdict(float)}
    samples = []
    for round_index in range(warmup + rounds):
        timed = round_index >= warmup
        for index in range(len(ids)):
            order = [('standard', standard), ('posefix', posefix)]
            for name, dataset in (order if (round_index + index) % 2 == 0 else order[::-1]):
                steps = defaultdict(float)
                data = _timed_sample(dataset, index, steps)
                if timed:
                    for step, seconds in steps.items():
                        totals[name][step] += seconds
                if name == 'posefix' and round_index == warmup:
                    samples.append(data)
    count = rounds * len(ids)
    timings = {name: PipelineTiming(name, 1e3 * sum(steps.values()) / count,
                                    {step: 1e3 * s / count for step, s in steps.items()})
               for name, steps in totals.items()}
    input_size = sizes.pop()
    render_ms = 1e3 * _render_seconds(samples, input_size, float(posefix_cfg.get('input_pose_sigma', 7)),
                                      int(posefix_cfg.train_dataloader.batch_size), repeats=max(1, rounds // 2))
    standard_ms, posefix_ms = timings['standard'].ms_per_sample, timings['posefix'].ms_per_sample
    return dict(standard=timings['standard'], posefix=timings['posefix'], render_ms=render_ms,
                pipeline_ratio=posefix_ms / standard_ms, with_render_ratio=(posefix_ms + render_ms) / standard_ms,
                num_samples=len(ids), input_size=input_size)


def format_report(result: Dict[str, object]) -> str:
    """The timings as a text table: total and per-step ms per sample, then the two ratios."""
    standard, posefix = result['standard'], result['posefix']
    width, height = result['input_size']
    lines = [f'{result["num_samples"]} persons, input {width}x{height}, ms per sample (warm-up excluded)',
             f'{"step":<28} {"standard":>10} {"PoseFix":>10}']
    for step in dict.fromkeys(list(standard.steps) + list(posefix.steps)):
        lines.append(f'{step:<28} {standard.steps.get(step, 0.0):>10.3f} {posefix.steps.get(step, 0.0):>10.3f}')
    lines.append(f'{"pipeline total":<28} {standard.ms_per_sample:>10.3f} {posefix.ms_per_sample:>10.3f}')
    lines.append(f'{"input-pose render (CPU)":<28} {"":>10} {result["render_ms"]:>10.3f}')
    lines.append(f'PoseFix / standard: pipeline {result["pipeline_ratio"]:.3f}, pipeline + render '
                 f'{result["with_render_ratio"]:.3f} (limit 1.2)')
    return '\n'.join(lines)
