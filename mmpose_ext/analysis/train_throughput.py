"""Real training throughput of a config: its data pipeline and workers, mmengine's Runner, a few iterations.

``benchmark_config`` times training steps on one fake batch (no data loading); this module runs the config's own
training loop (data loader with its workers, augmentation, target generation, pre-processing, forward, backward,
optimizer step, hooks) for ``warmup + iters`` iterations and reads mmengine's own per-iteration timings
(``IterTimerHook``: ``time`` per iteration and the ``data_time`` part spent waiting for the loader). It also times
the config's training pipeline sample by sample in one process, which says how many loader workers keep the device
fed: ``workers needed = training img/s / samples per second of one worker``.
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import resource
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.hooks import Hook

# dataset types whose annotation layout the synthetic crowd set can stand in for
_COCO_LAYOUT = ('CocoDataset', 'SyntheticCrowdDataset', 'OCHumanDataset', 'OfficialOCHumanDataset')
_CROWDPOSE_LAYOUT = ('CrowdPoseDataset', 'OfficialCrowdPoseDataset')


@dataclass
class ThroughputResult:
    """Figures of one real-training run.

    Args:
        config: config path.
        device: where it ran.
        batch_size: crops per iteration and process.
        num_workers: data loader workers.
        iters: timed iterations (after the warm-up ones).
        img_per_s: crops per second over the timed iterations, data loading included.
        data_wait_share: fraction of the iteration time spent waiting for the data loader.
        step_img_per_s: crops per second of the model step alone (iteration time minus data wait).
        peak_memory_mb: peak device memory allocated (accelerators), or the process's peak resident memory (CPU).
        worker_samples_per_s: samples per second of the training pipeline in one process (one loader worker).
        workers_needed: loader workers that keep up with ``step_img_per_s``.
    """
    config: str
    device: str
    batch_size: int
    num_workers: int
    iters: int
    img_per_s: float
    data_wait_share: float
    step_img_per_s: float
    peak_memory_mb: float
    peak_memory_kind: str
    worker_samples_per_s: Optional[float] = None
    workers_needed: Optional[int] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def innermost_dataset(dataset_cfg: dict) -> dict:
    while isinstance(dataset_cfg.get('dataset'), dict):  # wrappers (MultiInstanceDataset, RepeatDataset, ...)
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def _type_name(type_: Any) -> str:
    return type_ if isinstance(type_, str) else getattr(type_, '__name__', str(type_))


def point_at_synthetic_crowd(cfg: Config, data_root: str, num_images: int, seed: int = 0) -> None:
    """Generates a synthetic crowd training split under ``data_root`` (if missing) and points the config's training
    set at it, in the layout its dataset reads (COCO 17 or CrowdPose 14 keypoints)."""
    from mmpose_ext.datasets.synthetic import generate_synthetic_crowd
    dataset = innermost_dataset(cfg.train_dataloader.dataset)
    name = _type_name(dataset.get('type'))
    if name in _COCO_LAYOUT:
        layout = 'coco'
    elif name in _CROWDPOSE_LAYOUT:
        layout = 'crowdpose'
    else:
        raise ValueError(f'{cfg.filename}: the synthetic crowd set has COCO and CrowdPose layouts only, the training '
                         f'set is a {name}; pass --data-root with the real data')
    ann_file = osp.join(data_root, 'annotations', f'{layout}_train.json')
    if not osp.isfile(ann_file):
        generate_synthetic_crowd(data_root, num_images, split='train', seed=seed, layout='both', progress=True)
    dataset.update(data_root=data_root.rstrip('/') + '/', ann_file=f'annotations/{layout}_train.json',
                   data_prefix=dict(img='images/train/'))
    dataset.pop('bbox_file', None)


def throughput_config(cfg: Config, work_dir: str, iters: int = 20, warmup: int = 5,
                      batch_size: Optional[int] = None, num_workers: Optional[int] = None) -> Config:
    """The config turned into a short iteration-based training run: no validation, checkpoints, LR schedule or
    pretrained weights (none of them changes the time of a training iteration), the logger every iteration. A
    distiller still loads its teacher (``model.teacher_ckpt``)."""
    cfg = copy.deepcopy(cfg)
    loader = cfg.train_dataloader
    if batch_size is not None:
        loader.batch_size = batch_size
    if num_workers is not None:
        loader.num_workers = num_workers
        loader.persistent_workers = num_workers > 0 and loader.get('persistent_workers', False)
    cfg.train_cfg = dict(by_epoch=False, max_iters=warmup + iters, val_interval=10 ** 9)
    for key in ('val_cfg', 'val_dataloader', 'val_evaluator', 'test_cfg', 'test_dataloader', 'test_evaluator'):
        cfg[key] = None
    cfg.param_scheduler = []
    cfg.load_from, cfg.resume = None, False
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
    if isinstance(cfg.model.get('backbone'), dict):  # a pretrained backbone would be downloaded first
        cfg.model.backbone.pop('init_cfg', None)
    cfg.work_dir = work_dir
    return cfg


def pipeline_samples_per_s(cfg: Config, num_samples: int = 50) -> float:
    """Samples per second of the config's training dataset (``dataset[i]``: annotation, image read, augmentation,
    targets, packing) in this one process, i.e. one data loader worker."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    count = min(num_samples, len(dataset))
    dataset[0]  # lazy initialisation (file handles, caches) outside the timing
    start = time.perf_counter()
    for i in range(count):
        dataset[i % len(dataset)]
    return count / (time.perf_counter() - start)


def _accelerator_in_use(device: str) -> bool:
    return device != 'cpu' and hasattr(torch, 'accelerator') and torch.accelerator.is_available()


class _PeakMemoryHook(Hook):
    """Keeps the largest device memory allocated after any training iteration.

    mmengine's log processor resets the accelerator's peak statistics every time it logs, so the peak read after
    ``runner.train()`` is only the last logging window's (795 MiB against 19.7 GiB in the iteration log, MIPNet-W48
    bf16 batch 64 on an H200). This hook runs before the logger (priority NORMAL) and keeps the maximum.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self.peak_bytes = 0

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.peak_bytes = max(self.peak_bytes, torch.accelerator.max_memory_allocated())


def measure_training(cfg: Config, iters: int = 20, warmup: int = 5, pipeline_samples: int = 50) -> ThroughputResult:
    """Runs ``cfg`` (see :func:`throughput_config`) through mmengine's Runner and reads its per-iteration timings.

    Args:
        cfg: a config prepared by :func:`throughput_config`.
        iters: timed iterations.
        warmup: iterations left out of the figures (worker start, allocator, cuDNN autotuning, compilation).
        pipeline_samples: samples timed for the one-worker pipeline figure (0: skip).
    """
    from mmpose_ext.engine.runner import build_runner
    device = get_device()
    peak_hook = None
    if _accelerator_in_use(device):
        torch.accelerator.reset_peak_memory_stats()
    runner = build_runner(cfg)
    if _accelerator_in_use(device):
        peak_hook = _PeakMemoryHook()
        runner.register_hook(peak_hook)
    runner.train()
    hub = runner.message_hub
    times = np.asarray(hub.get_scalar('train/time').data[0], dtype=np.float64)[warmup:]
    waits = np.asarray(hub.get_scalar('train/data_time').data[0], dtype=np.float64)[warmup:]
    if len(times) == 0:
        raise RuntimeError(f'no timed iterations: ran {warmup + iters} with {warmup} of warm-up')
    batch_size = cfg.train_dataloader.batch_size
    if peak_hook is not None:
        peak, kind = peak_hook.peak_bytes / 2 ** 20, f'{device} allocated'
    else:
        peak, kind = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'host RSS'
    result = ThroughputResult(
        config=cfg.filename or '', device=device, batch_size=batch_size,
        num_workers=cfg.train_dataloader.get('num_workers', 0), iters=len(times),
        img_per_s=batch_size * len(times) / times.sum(), data_wait_share=float(waits.sum() / times.sum()),
        step_img_per_s=batch_size * len(times) / max((times - waits).sum(), 1e-9), peak_memory_mb=peak,
        peak_memory_kind=kind)
    if pipeline_samples > 0:
        result.worker_samples_per_s = pipeline_samples_per_s(cfg, pipeline_samples)
        result.workers_needed = int(np.ceil(result.step_img_per_s / result.worker_samples_per_s))
    return result


def format_result(r: ThroughputResult) -> str:
    lines = [
        f'config               {r.config}',
        f'device               {r.device}, batch {r.batch_size}, {r.num_workers} loader workers, {r.iters} timed '
        f'iterations',
        f'training             {r.img_per_s:.1f} img/s (data loading included)',
        f'waiting for data     {r.data_wait_share:.1%} of the iteration time',
        f'model step alone     {r.step_img_per_s:.1f} img/s',
        f'real / model step    {r.img_per_s / max(r.step_img_per_s, 1e-9):.1%} (compare the benchmark tool\'s '
        f'model step at the same batch and levers)',
        f'peak memory          {r.peak_memory_mb:.0f} MiB ({r.peak_memory_kind})',
    ]
    if r.worker_samples_per_s:
        lines += [f'pipeline, 1 worker   {r.worker_samples_per_s:.1f} samples/s',
                  f'workers needed       {r.workers_needed} to feed {r.step_img_per_s:.1f} img/s '
                  f'(this machine has {os.cpu_count()} CPUs)']
        if r.workers_needed > r.num_workers:
            lines.append(f'                     raise train_dataloader.num_workers from {r.num_workers} to at least '
                         f'{r.workers_needed}')
    return '\n'.join(lines)
