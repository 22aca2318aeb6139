# Fast Pose Distillation across families: mmpose's HRNet-W32 (configs/baselines/td-hm_hrnet-w32_mpii-256x256.py,
# sigma 2) teaches the mobile hourglass hg_s2_b1_mobile, otherwise as fpd_hourglass-s8-b1-to-s2-b1-mobile (the
# unofficial port's recipe: from scratch, unweighted loss, RMSprop 2.5e-4, sigma 1 targets, 90 epochs). Same 16
# MPII joints and flip indices, same input normalisation; set model.teacher_ckpt to a trained HRNet-W32.
from mmengine.config import read_base

with read_base():
    from .._base_.fpd_hourglass_mobile_mpii import *  # noqa: F401,F403

model.update(teacher_cfg='configs/baselines/td-hm_hrnet-w32_mpii-256x256.py',
             teacher_ckpt='work_dirs/td-hm_hrnet-w32_mpii-256x256/best.pth')
