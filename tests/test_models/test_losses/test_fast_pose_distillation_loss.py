"""The FPD loss on hand-made heatmaps: (1 - alpha) * MSE(S_k, GT) + alpha * MSE(S_k, T) per labelled sample, with or
without the ground-truth joint weights, the teacher term alone (weight 1) for unlabeled samples, summed over
stacks, averaged over samples, joints and pixels."""
from __future__ import annotations

import pytest
import torch

from mmpose_ext.models.losses import FastPoseDistillationLoss


@pytest.fixture
def batch():
    """Two samples, two joints, 2x2 heatmaps: student all ones, ground truth zeros, teacher all 0.5.
    Sample 0 is labelled with joint 1 unlabelled (weights [1, 0]); sample 1 has no annotation."""
    student = torch.ones(2, 2, 2, 2, requires_grad=True)
    gt = torch.zeros(2, 2, 2, 2)
    teacher = torch.full((2, 2, 2, 2), 0.5, requires_grad=True)
    weights = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    labeled = torch.tensor([True, False])
    return student, teacher, gt, weights, labeled


def test_weighted_form(batch):
    student, teacher, gt, weights, labeled = batch
    losses = FastPoseDistillationLoss(alpha=0.5, use_target_weight=True)([student], teacher, gt, weights, labeled)
    # sample 0: (S - GT)^2 = 1 and (S - T)^2 = 0.25 on joint 0 only, i.e. on 4 of its 8 values:
    #   0.5 * 4 * 1 / 8 + 0.5 * 4 * 0.25 / 8 = 0.25 + 0.0625
    # sample 1: teacher term only, all 8 values, weight 1: 0.25
    assert losses['loss_gt'].item() == pytest.approx(0.25 / 2)
    assert losses['loss_kd'].item() == pytest.approx((0.0625 + 0.25) / 2)
    assert (losses['loss_gt'] + losses['loss_kd']).item() == pytest.approx((0.3125 + 0.25) / 2)


def test_unweighted_form_counts_unlabelled_joints(batch):
    student, teacher, gt, weights, labeled = batch
    losses = FastPoseDistillationLoss(alpha=0.5, use_target_weight=False)([student], teacher, gt, weights, labeled)
    # sample 0, all 8 values: 0.5 * 1 + 0.5 * 0.25; sample 1: 0.25
    assert losses['loss_gt'].item() == pytest.approx(0.5 / 2)
    assert losses['loss_kd'].item() == pytest.approx((0.125 + 0.25) / 2)


def test_alpha_splits_the_labelled_terms(batch):
    student, teacher, gt, weights, labeled = batch
    losses = FastPoseDistillationLoss(alpha=0.25, use_target_weight=True)([student], teacher, gt, weights, labeled)
    assert losses['loss_gt'].item() == pytest.approx(0.75 * 0.5 / 2)
    assert losses['loss_kd'].item() == pytest.approx((0.25 * 0.125 + 0.25) / 2)


def test_unlabeled_samples_get_only_the_teacher_term(batch):
    student, teacher, gt, weights, _ = batch
    loss = FastPoseDistillationLoss(alpha=0.5, use_target_weight=False, unlabeled_weight=1.0)
    unlabeled = torch.tensor([False, False])
    noisy_gt = torch.rand_like(gt)  # whatever their (absent) ground truth holds, it is not used
    losses = loss([student], teacher, noisy_gt, torch.ones_like(weights), unlabeled)
    assert losses['loss_gt'].item() == 0
    assert losses['loss_kd'].item() == pytest.approx(0.25)
    half = FastPoseDistillationLoss(unlabeled_weight=0.5)([student], teacher, gt, weights, unlabeled)
    assert half['loss_kd'].item() == pytest.approx(0.125)


def test_every_stack_is_supervised_and_summed(batch):
    student, teacher, gt, weights, labeled = batch
    second = torch.zeros_like(student)  # (0 - GT)^2 = 0, (0 - T)^2 = 0.25: the same teacher term as stack 0
    loss = FastPoseDistillationLoss(alpha=0.5, use_target_weight=True)
    one = loss([student], teacher, gt, weights, labeled)
    two = loss([student, second], teacher, gt, weights, labeled)
    assert two['loss_gt'].item() == pytest.approx(one['loss_gt'].item())
    assert two['loss_kd'].item() == pytest.approx(2 * one['loss_kd'].item())


def test_no_gradient_reaches_the_teacher(batch):
    student, teacher, gt, weights, labeled = batch
    losses = FastPoseDistillationLoss()([student], teacher, gt, weights, labeled)
    (losses['loss_gt'] + losses['loss_kd']).backward()
    assert teacher.grad is None
    assert student.grad is not None and student.grad.abs().sum() > 0


def test_bad_input_is_refused(batch):
    student, teacher, gt, weights, labeled = batch
    loss = FastPoseDistillationLoss()
    with pytest.raises(ValueError, match='teacher heatmaps have shape'):
        loss([student], teacher[:, :1], gt, weights, labeled)
    with pytest.raises(ValueError, match='student stack 1'):
        loss([student, student[..., :1]], teacher, gt, weights, labeled)
    with pytest.raises(ValueError, match='keypoint weights'):
        loss([student], teacher, gt, weights[:, :1], labeled)
    with pytest.raises(ValueError, match='alpha'):
        FastPoseDistillationLoss(alpha=1.5)
