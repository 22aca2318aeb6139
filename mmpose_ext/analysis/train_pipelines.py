"""Samples per second of one data loader worker for several configs' training pipelines, step by step, in one run.

Each config's training dataset is pointed at the same COCO-format data (real JPEGs: ``tests/data/coco`` or a COCO
split) and timed as ``dataset[i]`` does it: ``get_data_info`` (for MIPNet's ``MultiInstanceDataset`` this includes
finding each person's nearest other person), then every transform of the pipeline (decode, augmentation, affine
warp, target generation, packing). The configs alternate sample by sample, so that all see the same machine state
on a shared machine; each round's figure is kept and the best round is reported (the least disturbed one).
One process is one data loader worker: ``workers needed = img/s to feed / samples per second``. As in a worker,
OpenCV runs with the config's ``env_cfg.mp_cfg.opencv_num_threads`` threads (0 in every shipped config: one).
"""
from __future__ import annotations

import copy
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

from .pipeline_benchmark import _timed_sample
from .train_throughput import innermost_dataset


@dataclass
class WorkerTiming:
    """One config's training pipeline in one worker.

    Args:
        label: the config as given (with its ``::`` overrides).
        samples_per_s: best round's samples per second.
        ms_per_sample: best round's milliseconds per sample.
        round_samples_per_s: every timed round's samples per second.
        steps: mean milliseconds per sample of each step over all timed rounds.
    """
    label: str
    samples_per_s: float
    ms_per_sample: float
    round_samples_per_s: List[float] = field(default_factory=list)
    steps: Dict[str, float] = field(default_factory=dict)


def train_dataset(cfg: Config, data_root: str, ann_file: str, img_prefix: str = ''):
    """The config's training dataset (wrappers kept) reading ``data_root/ann_file``."""
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    inner = innermost_dataset(dataset_cfg)
    inner.update(data_root=data_root, ann_file=ann_file, data_prefix=dict(img=img_prefix))
    inner.pop('bbox_file', None)
    return DATASETS.build(dataset_cfg)


def _pipeline_owner(dataset):
    """The dataset whose ``pipeline`` runs (a wrapper may hold the pipeline or pass to its inner dataset)."""
    while not isinstance(getattr(dataset, 'pipeline', None), Compose) and hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    return dataset


def benchmark_worker_pipelines(configs: Sequence[Tuple[str, Config]], data_root: str, ann_file: str,
                               img_prefix: str = '', rounds: int = 5, warmup: int = 1,
                               seed: int = 0) -> Dict[str, object]:
    """Times each config's training pipeline on the same persons, alternating config by config per sample.

    Args:
        configs: ``(label, config)`` pairs.
        data_root, ann_file, img_prefix: the COCO-format data all read.
        rounds: timed passes over all persons; ``warmup``: untimed passes first.
        seed: numpy seed of the random augmentations (reset before every round, so that the rounds of a config
            draw the same augmentations).

    Returns:
        ``timings`` (a :class:`WorkerTiming` per config, in order) and ``num_samples``.
    """
    datasets = [train_dataset(cfg, data_root, ann_file, img_prefix) for _, cfg in configs]
    mp_cfg = (configs[0][1].get('env_cfg', None) or {}).get('mp_cfg', None) or {}
    threads = cv2.getNumThreads()
    cv2.setNumThreads(int(mp_cfg.get('opencv_num_threads', 0)))
    try:
        return _time_rounds(configs, datasets, rounds, warmup, seed)
    finally:
        cv2.setNumThreads(threads)


def _time_rounds(configs: Sequence[Tuple[str, Config]], datasets: list, rounds: int, warmup: int,
                 seed: int) -> Dict[str, object]:
    count = min(len(d) for d in datasets)
    if count == 0:
        raise ValueError(f'{data_root}/{ann_file}: no training persons')
    totals = [defaultdict(float) for _ in configs]
    per_round: List[List[float]] = [[] for _ in configs]
    for round_index in range(warmup + rounds):
        np.random.seed(seed + round_index)
        seconds = [0.0] * len(configs)
        for index in range(count):
            order = list(range(len(configs)))
            if (round_index + index) % 2:
                order.reverse()
            for c in order:
                steps = defaultdict(float)
                dataset = datasets[c]
                owner = _pipeline_owner(dataset)
                if owner is dataset:
                    _timed_sample(dataset, index, steps)
                else:  # a wrapper's get_data_info (MultiInstanceDataset: the other persons), the inner pipeline
                    start = time.perf_counter()
                    data = dataset.get_data_info(index)
                    steps['get_data_info'] += time.perf_counter() - start
                    for transform in owner.pipeline.transforms:
                        start = time.perf_counter()
                        data = transform(data)
                        steps[type(transform).__name__] += time.perf_counter() - start
                        if data is None:
                            raise RuntimeError(f'{type(transform).__name__} rejected sample {index}')
                seconds[c] += sum(steps.values())
                if round_index >= warmup:
                    for step, value in steps.items():
                        totals[c][step] += value
        if round_index >= warmup:
            for c in range(len(configs)):
                per_round[c].append(count / seconds[c])
    timings = []
    for (label, _), steps, rates in zip(configs, totals, per_round):
        best = max(rates)
        timings.append(WorkerTiming(label, best, 1e3 / best, rates,
                                    {step: 1e3 * s / (rounds * count) for step, s in steps.items()}))
    return dict(timings=timings, num_samples=count)


def format_worker_report(result: Dict[str, object], feed_img_per_s: float = 600.0) -> str:
    """Per-step ms per sample (mean over rounds), best-round samples/s per worker, and what 16 workers feed."""
    timings: List[WorkerTiming] = result['timings']
    width = max(12, *(len(t.label) for t in timings))
    lines = [f'{result["num_samples"]} persons, ms per sample (mean of the timed rounds), warm-up excluded']
    steps = list(dict.fromkeys(s for t in timings for s in t.steps))
    for i, t in enumerate(timings):
        lines.append(f'[{i}] {t.label}')
    lines.append(f'{"step":<28}' + ''.join(f'{f"[{i}]":>10}' for i in range(len(timings))))
    for step in steps:
        lines.append(f'{step:<28}' + ''.join(f'{t.steps.get(step, 0.0):>10.3f}' for t in timings))
    lines.append(f'{"total":<28}' + ''.join(f'{sum(t.steps.values()):>10.3f}' for t in timings))
    lines.append(f'{"best round samples/s":<28}' + ''.join(f'{t.samples_per_s:>10.1f}' for t in timings))
    lines.append(f'{"16 workers, img/s":<28}' + ''.join(f'{16 * t.samples_per_s:>10.0f}' for t in timings))
    lines.append(f'{f"workers for {feed_img_per_s:.0f} img/s":<28}' +
                 ''.join(f'{int(np.ceil(feed_img_per_s / t.samples_per_s)):>10d}' for t in timings))
    if len(timings) > 1:
        lines.append('time per sample against [0] (best rounds): ' + ', '.join(
            f'[{i}] {timings[0].samples_per_s / t.samples_per_s:.3f}' for i, t in enumerate(timings)))
    return '\n'.join(lines)
