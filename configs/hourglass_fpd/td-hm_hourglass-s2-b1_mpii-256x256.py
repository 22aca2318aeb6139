# hg_s2_b1 of pytorch-pose / the unofficial FPD code: 2 stacks, 256 channels, RMSprop 2.5e-4, sigma 1.
# Reference: 6.73M params, MPII val PCKh@0.5 86.58 (unofficial FPD) / 86.95 (pytorch-pose) (not reproduced).
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_mpii_rmsprop import *  # noqa: F401,F403

model['backbone'].update(num_stacks=2)
model['head'].update(num_stacks=2)
