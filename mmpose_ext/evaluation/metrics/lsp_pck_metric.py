"""LSP PCK@0.2 normalised by torso size, as the LSP benchmark evaluation computes it."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
from mmpose.registry import METRICS

from .pck_table_metric import PCKTableMetric

# LSP joint order: 0 r_ankle 1 r_knee 2 r_hip 3 l_hip 4 l_knee 5 l_ankle 6 r_wrist 7 r_elbow 8 r_shoulder
# 9 l_shoulder 10 l_elbow 11 l_wrist 12 neck 13 head_top
_LEFT_SHOULDER, _RIGHT_HIP = 9, 2


@METRICS.register_module()
class LspPCKMetric(PCKTableMetric):
    """PCK on Leeds Sports Pose with the torso as reference (the ``evaluatePCK.m`` protocol of the LSP/FLIC
    benchmark kit by Pishchulin et al., used for the LSP results of DeepCut, the stacked hourglass and Fast
    Pose Distillation).

    The reference length is the torso diameter, the distance between the ground-truth left shoulder and right
    hip; a joint is correct when its distance is ``<=`` 0.2 of it (``threshold_rule='official'``). Columns:
    ``Head`` (mean of neck and head top), ``Shoulder``, ``Elbow``, ``Wrist``, ``Hip``, ``Knee``, ``Ankle``
    (left/right means) and ``Mean`` (all 14 joints pooled). All joints of the LSP test set are labelled;
    unlabelled joints (LSP Extended) are not scored. Ground truth is the ``joints.mat`` values kept by
    :class:`LspDataset` (1-based); predictions get +1. The evaluation kit ships person-centric (PC) and
    observer-centric (OC) versions of the test ground truth; the metric scores against whatever
    ``joints.mat`` the dataset loaded.

    Args:
        thr: PCK threshold (0.2).
        extra_thrs: further thresholds, reported as ``Mean@<t>``.
        threshold_rule: ``'official'`` (``<=``, float64) or ``'mmpose'`` (``<``, float32).
        **kwargs: ``collect_device``, ``prefix`` (default ``'lsp'``).
    """

    default_prefix: Optional[str] = 'lsp'
    num_keypoints = 14
    official_columns = [('Head', (12, 13)), ('Shoulder', (8, 9)), ('Elbow', (7, 10)), ('Wrist', (6, 11)),
                        ('Hip', (2, 3)), ('Knee', (1, 4)), ('Ankle', (0, 5))]
    mean_joints = list(range(14))
    dataset_hint = 'LspDataset'

    def __init__(self, thr: float = 0.2, extra_thrs: tuple = (), threshold_rule: str = 'official',
                 **kwargs: Any) -> None:
        super().__init__(thr=thr, extra_thrs=extra_thrs, threshold_rule=threshold_rule, **kwargs)

    def reference_length(self, raw: dict, gt: np.ndarray) -> float:
        vis = np.asarray(raw['joints_vis']) > 0
        if not (vis[_LEFT_SHOULDER] and vis[_RIGHT_HIP]):
            return 0.0
        return float(np.linalg.norm(gt[_LEFT_SHOULDER] - gt[_RIGHT_HIP]))
