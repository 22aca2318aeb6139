# Learning check of Fast Pose Distillation on the synthetic crowd set (see _base_/fpd_hourglass_synthcrowd.py):
# compare with td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py, the same student trained alone on the same budget.
# Train the teacher td-hm_hourglass-s4-64_synthcrowd-128x128.py first and link its best checkpoint to
# work_dirs/td-hm_hourglass-s4-64_synthcrowd-128x128/best.pth (or set model.teacher_ckpt).
from mmengine.config import read_base

with read_base():
    from .._base_.fpd_hourglass_synthcrowd import *  # noqa: F401,F403
