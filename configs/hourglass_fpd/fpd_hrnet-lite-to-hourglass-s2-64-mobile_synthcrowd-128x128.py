# Learning check of Fast Pose Distillation with a cross-family teacher: the small HRNet of
# td-hm_hrnet-lite_synthcrowd-128x128.py teaches the mobile 2-stack hourglass of
# td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py, from scratch, with the same data, schedule and seed as that
# student trained alone (compare the two). Train the teacher first and set model.teacher_ckpt (or link its last
# checkpoint to the path below).
from mmengine.config import read_base

with read_base():
    from .._base_.fpd_hourglass_synthcrowd import *  # noqa: F401,F403

model.update(teacher_cfg='configs/hourglass_fpd/td-hm_hrnet-lite_synthcrowd-128x128.py',
             teacher_ckpt='work_dirs/td-hm_hrnet-lite_synthcrowd-128x128/best.pth')
