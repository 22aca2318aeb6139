# Fast Pose Distillation student HG4-128 as the official code trains it alone: 4 stacks of 128 channels (stem 32,
# bottleneck width 64), plain convs, official FPD recipe. Reference MPII val PCKh@0.5: 87.934 (not reproduced).
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_mpii import *  # noqa: F401,F403

model['backbone'].update(num_stacks=4, channels=128)
model['head'].update(num_stacks=4)
