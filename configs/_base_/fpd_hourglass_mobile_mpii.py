# Fast Pose Distillation as the unofficial port (yuanyuanli85/Fast_Human_Pose_Estimation_Pytorch, mpii_kd.py): the
# mobile hourglass hg_s2_b1_mobile, from scratch, learns from the frozen hg_s8_b1 teacher with the unweighted loss
# 0.5 * MSE(S_k, GT) + 0.5 * MSE(S_k, T_last) over all joints of every student stack, on the pytorch-pose recipe of
# both hourglass configs: RMSprop 2.5e-4, sigma 1, batch 6, 90 epochs, steps 60/90.
from mmengine.config import read_base

with read_base():
    from .hourglass_mpii_rmsprop import *  # noqa: F401,F403

from mmengine.hooks import SyncBuffersHook

from mmpose_ext.engine import ModelComplexityHook, ThroughputHook
from mmpose_ext.models import FPDDistiller
from mmpose_ext.models.losses import FastPoseDistillationLoss

model = dict(
    type=FPDDistiller,
    teacher_cfg='configs/hourglass_fpd/td-hm_hourglass-s8-b1_mpii-256x256.py',
    teacher_ckpt='work_dirs/td-hm_hourglass-s8-b1_mpii-256x256/best.pth',
    student_cfg='configs/hourglass_fpd/td-hm_hourglass-s2-b1-mobile_mpii-256x256.py',
    distill_loss=dict(type=FastPoseDistillationLoss, alpha=0.5, use_target_weight=False))
# the complexity table reports the student, the network that runs at inference
custom_hooks = [dict(type=SyncBuffersHook), dict(type=ThroughputHook), dict(type=ModelComplexityHook, module='student')]
