"""The Fast Pose Distillation objective: ground truth and a teacher's heatmaps supervise every student stack."""
from __future__ import annotations

from typing import Dict, Sequence

import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class FastPoseDistillationLoss(nn.Module):
    """Heatmap MSE of every student stack against the ground truth and against the teacher's final heatmaps.

    For student stack ``k`` and a labelled sample the loss is
    ``(1 - alpha) * MSE(S_k, GT) + alpha * MSE(S_k, T)``, where ``T`` is the teacher's last-stack heatmap.
    With ``use_target_weight`` both terms are weighted per joint by the ground-truth visibility weights, so a
    joint without a label gets no teacher signal either (the official code); without it every joint counts in
    both terms and unlabelled joints are regressed to empty maps (the unofficial pytorch-pose port). An
    unlabeled sample (no annotation at all) contributes ``unlabeled_weight * MSE(S_k, T)`` over all joints.
    Each term is the mean over samples, joints and pixels (mmpose's ``KeypointMSELoss``), summed over stacks.

    From `Fast Human Pose Estimation` (Zhang, Zhu and Ye, CVPR 2019).

    Args:
        alpha: weight of the teacher term for labelled samples; ``1 - alpha`` weights the ground-truth term.
        use_target_weight: weight both terms of labelled samples by the ground-truth keypoint weights.
        unlabeled_weight: weight of the teacher term for unlabeled samples.
        loss_weight: scales both terms (the official JointsMSELoss is half the MSE: 0.5).
    """

    def __init__(self, alpha: float = 0.5, use_target_weight: bool = True, unlabeled_weight: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        self.alpha = alpha
        self.use_target_weight = use_target_weight
        self.unlabeled_weight = unlabeled_weight
        # per-sample coefficients are folded into the keypoint weights, so one weighted MSE serves every case
        self.mse = KeypointMSELoss(use_target_weight=True, loss_weight=loss_weight)

    def term_weights(self, keypoint_weights: Tensor, labeled: Tensor) -> Dict[str, Tensor]:
        """(B, K) weights of the ground-truth and the teacher term for every sample and joint."""
        joint = keypoint_weights if self.use_target_weight else torch.ones_like(keypoint_weights)
        labeled = labeled.to(device=keypoint_weights.device, dtype=torch.bool)[:, None]
        ones = torch.ones_like(keypoint_weights)
        return dict(gt=torch.where(labeled, (1 - self.alpha) * joint, torch.zeros_like(joint)),
                    kd=torch.where(labeled, self.alpha * joint, self.unlabeled_weight * ones))

    def forward(self, student_heatmaps: Sequence[Tensor], teacher_heatmaps: Tensor, gt_heatmaps: Tensor,
                keypoint_weights: Tensor, labeled: Tensor) -> Dict[str, Tensor]:
        """Losses of one batch.

        Args:
            student_heatmaps: the student's heatmaps of every stack, each (B, K, H, W).
            teacher_heatmaps: the teacher's final heatmaps (B, K, H, W); no gradient flows into them.
            gt_heatmaps: ground-truth heatmaps (B, K, H, W); ignored for unlabeled samples.
            keypoint_weights: ground-truth keypoint weights (B, K).
            labeled: (B,) booleans, False for samples without any annotation.

        Returns:
            ``loss_gt`` (ground-truth term) and ``loss_kd`` (teacher term), each summed over stacks.
        """
        if not student_heatmaps:
            raise ValueError('no student heatmaps given')
        expected = tuple(gt_heatmaps.shape)
        for name, maps in [('teacher', teacher_heatmaps)] + [(f'student stack {k}', m)
                                                             for k, m in enumerate(student_heatmaps)]:
            if tuple(maps.shape) != expected:
                raise ValueError(f'{name} heatmaps have shape {tuple(maps.shape)}, the ground truth {expected}: '
                                 f'teacher and student must predict the same joints at the same heatmap size '
                                 f'(FPDDistiller resamples a teacher of another resolution to the student\'s)')
        if tuple(keypoint_weights.shape) != expected[:2] or tuple(labeled.shape) != expected[:1]:
            raise ValueError(f'keypoint weights {tuple(keypoint_weights.shape)} / labeled flags '
                             f'{tuple(labeled.shape)} do not fit heatmaps {expected}')
        weights = self.term_weights(keypoint_weights, labeled)
        teacher_heatmaps = teacher_heatmaps.detach()
        loss_gt = sum(self.mse(maps, gt_heatmaps, weights['gt']) for maps in student_heatmaps)
        loss_kd = sum(self.mse(maps, teacher_heatmaps, weights['kd']) for maps in student_heatmaps)
        return dict(loss_gt=loss_gt, loss_kd=loss_kd)
