# Fast Pose Distillation teacher HG8-256: Newell stacked hourglass, 8 stacks of 256 channels, official FPD recipe
# (Adam 2.5e-4, 140 epochs, steps 90/120, batch 4, sigma 2). Reference MPII val PCKh@0.5: 90.520 (not reproduced).
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_mpii import *  # noqa: F401,F403
