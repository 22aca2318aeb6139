# Fast Pose Distillation, official recipe (ilovepose/fast-human-pose-estimation.pytorch, fpd_mpii): the student
# HG4-128 (td-hm_hourglass-s4-128_mpii-256x256.py), initialised from its own training, learns from the frozen
# teacher HG8-256 (td-hm_hourglass-s8-256_mpii-256x256.py). Every student stack: 0.5 * MSE(S_k, GT) +
# 0.5 * MSE(S_k, T_last), both weighted by the ground-truth joint visibility. Data and schedule of both hourglass
# configs: Adam 2.5e-4, 140 epochs, steps 90/120, batch 4, sigma 2.
# Train teacher and student first, then link (or pass with --cfg-options) their best checkpoints:
#   ln -s best_mpii_Mean_epoch_<N>.pth work_dirs/td-hm_hourglass-s8-256_mpii-256x256/best.pth  (same for the student)
# Reference MPII val PCKh@0.5: 89.040 (student alone 87.934, without student_init 87.598), not reproduced.
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_mpii import *  # noqa: F401,F403

from mmengine.hooks import SyncBuffersHook

from mmpose_ext.engine import ModelComplexityHook, ThroughputHook
from mmpose_ext.models import FPDDistiller
from mmpose_ext.models.losses import FastPoseDistillationLoss

model = dict(
    type=FPDDistiller,
    teacher_cfg='configs/hourglass_fpd/td-hm_hourglass-s8-256_mpii-256x256.py',
    teacher_ckpt='work_dirs/td-hm_hourglass-s8-256_mpii-256x256/best.pth',
    student_cfg='configs/hourglass_fpd/td-hm_hourglass-s4-128_mpii-256x256.py',
    student_init='work_dirs/td-hm_hourglass-s4-128_mpii-256x256/best.pth',
    distill_loss=dict(type=FastPoseDistillationLoss, alpha=0.5, use_target_weight=True))
# the complexity table reports the student, the network that runs at inference
custom_hooks = [dict(type=SyncBuffersHook), dict(type=ThroughputHook), dict(type=ModelComplexityHook, module='student')]
