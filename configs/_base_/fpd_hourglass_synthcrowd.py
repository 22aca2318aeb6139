# Fast Pose Distillation learning check on the synthetic crowd set at 128x128: the mobile student of
# td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py, from scratch, with the same data, schedule and budget as that
# config, learns from the trained teacher of td-hm_hourglass-s4-64_synthcrowd-128x128.py. Official loss form:
# 0.5 * MSE(S_k, GT) + 0.5 * MSE(S_k, T_last), both weighted by the ground-truth joint visibility.
from mmengine.config import read_base

with read_base():
    from .hourglass_synthcrowd import *  # noqa: F401,F403

from mmpose_ext.models import FPDDistiller
from mmpose_ext.models.losses import FastPoseDistillationLoss

model = dict(
    type=FPDDistiller,
    teacher_cfg='configs/hourglass_fpd/td-hm_hourglass-s4-64_synthcrowd-128x128.py',
    teacher_ckpt='work_dirs/td-hm_hourglass-s4-64_synthcrowd-128x128/best.pth',
    student_cfg='configs/hourglass_fpd/td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py',
    distill_loss=dict(type=FastPoseDistillationLoss, alpha=0.5, use_target_weight=True))
