# hg_s8_b1 of pytorch-pose / the unofficial FPD code: 8 stacks, 256 channels, one residual per block, trained with
# RMSprop 2.5e-4 and sigma 1. Reference: 25.59M params, MPII val PCKh@0.5 88.33 (not reproduced).
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_mpii_rmsprop import *  # noqa: F401,F403
