"""Paired comparison of two training arms: are they different runs, and by how much does one beat the other?

A learning check compares arms (e.g. a student trained alone and the same student distilled) trained with the
same seed, data and schedule. Before a difference in a score means anything, the arms must really be different
trainings (weights apart, predictions apart joint by joint), and the difference must be larger than what a
tiny perturbation of one arm produces by chance. This module measures exactly that, with mmpose's own PCK.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader
from mmpose.evaluation import PCKAccuracy
from mmpose.registry import MODELS
from torch import Tensor

from ..models.distillers.student_export import STUDENT_PREFIX, student_checkpoint


BN_STATISTICS = ('running_mean', 'running_var')


class IdenticalArmsError(ValueError):
    """Two arms that should be different trainings produced the same model."""


@dataclass
class JointScores:
    """Per-joint PCK outcome of one model on a validation set.

    Attributes:
        correct: (N, K) booleans, the joint is visible and within ``thr`` of the box size.
        visible: (N, K) booleans, the joint is labelled visible (only these are scored).
        pck: mmpose's ``PCKAccuracy`` figure (the mean over joint types), the value the training log shows.
    """
    correct: np.ndarray
    visible: np.ndarray
    pck: float


def load_student_weights(path: str) -> Dict[str, Tensor]:
    """The weights of a plain model checkpoint, or of the student of an ``FPDDistiller`` checkpoint."""
    checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    weights = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(weights, dict):
        raise ValueError(f'{path}: no state_dict in the checkpoint')
    if any(key.startswith(STUDENT_PREFIX) for key in weights):
        weights = student_checkpoint(checkpoint, path)['state_dict']
    return {key: value for key, value in weights.items() if not key.startswith('data_preprocessor.')}


def weight_distance(a: Dict[str, Tensor], b: Dict[str, Tensor], names: Sequence[str] = ('a', 'b')) -> float:
    """L2 distance between two models' learned weights.

    BatchNorm running statistics are left out: running variances are orders of magnitude larger than the weights
    and would hide them. Identical models are still exactly 0 apart."""
    if a.keys() != b.keys():
        only = sorted(set(a) ^ set(b))
        raise ValueError(f'{names[0]} and {names[1]} hold different weights (e.g. {only[0]}); they are not the same '
                         'architecture')
    total = 0.0
    for key, value in a.items():
        if value.is_floating_point() and not key.endswith(BN_STATISTICS):
            total += float((value.double() - b[key].double()).pow(2).sum())
    return math.sqrt(total)


def joint_scores(config: Config, weights: Dict[str, Tensor], thr: float = 0.1) -> JointScores:
    """Runs the config's model with ``weights`` over its test set and scores every joint by PCK@``thr`` (box)."""
    init_default_scope(config.get('default_scope', 'mmpose'))
    model = MODELS.build(copy.deepcopy(config.model))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if missing or unexpected:
        raise ValueError(f'the checkpoint does not fit the config\'s model: {len(missing)} missing '
                         f'(e.g. {missing[:1]}), {len(unexpected)} unexpected (e.g. {unexpected[:1]})')
    model.to(get_device()).eval()
    metric = PCKAccuracy(thr=thr, norm_item='bbox')
    metric.dataset_meta = model.metainfo
    loader = Runner.build_dataloader(copy.deepcopy(config.test_dataloader))
    with torch.no_grad():
        for batch in loader:
            outputs = model.test_step(batch)
            metric.process(batch, [sample.to_dict() for sample in outputs])
    results = metric.results
    pred = np.concatenate([r['pred_coords'] for r in results])  # (N, K, 2)
    gt = np.concatenate([r['gt_coords'] for r in results])
    visible = np.concatenate([r['mask'] for r in results]).astype(bool)
    box = np.concatenate([r['bbox_size'] for r in results])[:, :1]  # (N, 1): max(w, h) of the box
    # mmpose's keypoint_pck_accuracy: normalised distance strictly below thr, visible joints with a box only
    correct = visible & (box > 0) & (np.linalg.norm(pred - gt, axis=-1) / np.maximum(box, 1e-12) < thr)
    pck = float(metric.compute_metrics(results)['PCK'])
    return JointScores(correct=correct, visible=visible & (box > 0), pck=pck)


def flipped_joints(a: JointScores, b: JointScores) -> int:
    """How many scored joints are correct in one model and wrong in the other."""
    if a.correct.shape != b.correct.shape or not np.array_equal(a.visible, b.visible):
        raise ValueError('the two scores come from different validation sets')
    return int((a.correct != b.correct).sum())


def check_arms_differ(name_a: str, name_b: str, distance: float, flips: int) -> None:
    """Stops when two arms that must be different trainings hold the same weights."""
    if distance == 0.0:
        raise IdenticalArmsError(
            f'{name_a} and {name_b} hold identical weights (distance 0, {flips} joints flipped): they are the same '
            'training or the same checkpoint evaluated twice; check each run\'s work dir, its checkpoint and the '
            'arm\'s settings (teacher_ckpt, alpha, data)')


def t_quantile_975(df: int) -> float:
    """Two-sided 95% quantile of Student's t with ``df`` degrees of freedom."""
    from scipy.stats import t
    return float(t.ppf(0.975, df))


def paired_summary(diffs: Sequence[float]) -> Dict[str, Optional[float]]:
    """Mean of per-seed paired differences with its 95% t confidence interval (None for a single seed)."""
    values = np.asarray(list(diffs), dtype=np.float64)
    if values.size == 0:
        raise ValueError('no paired differences')
    mean = float(values.mean())
    if values.size < 2:
        return dict(n=1, mean=mean, std=None, ci_low=None, ci_high=None)
    std = float(values.std(ddof=1))
    half = t_quantile_975(values.size - 1) * std / math.sqrt(values.size)
    return dict(n=int(values.size), mean=mean, std=std, ci_low=mean - half, ci_high=mean + half)
