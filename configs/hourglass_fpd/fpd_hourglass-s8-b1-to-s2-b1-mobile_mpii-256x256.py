# Fast Pose Distillation of the unofficial port: hg_s8_b1 (td-hm_hourglass-s8-b1_mpii-256x256.py) teaches the
# mobile student hg_s2_b1_mobile (td-hm_hourglass-s2-b1-mobile_mpii-256x256.py) from scratch, unweighted loss,
# RMSprop 2.5e-4, sigma 1, 90 epochs (see _base_/fpd_hourglass_mobile_mpii.py). Train the teacher first and link
# its best checkpoint to work_dirs/td-hm_hourglass-s8-b1_mpii-256x256/best.pth (or set model.teacher_ckpt).
# Reference MPII val PCKh@0.5: 85.41 (student alone 84.69), not reproduced.
from mmengine.config import read_base

with read_base():
    from .._base_.fpd_hourglass_mobile_mpii import *  # noqa: F401,F403
