# hg_s2_b1_mobile, the unofficial FPD student: 2 stacks, 256 channels, every bottleneck 3x3 conv depthwise,
# RMSprop 2.5e-4, sigma 1. Reference: 2.31M params, 3.2 GFLOPs, MPII val PCKh@0.5 84.69 (not reproduced).
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_mpii_rmsprop import *  # noqa: F401,F403

model['backbone'].update(num_stacks=2, mobile=True)
model['head'].update(num_stacks=2)
