# Teacher for the synthetic FPD learning check: a 4-stack, 64-channel hourglass with full convs, from scratch on
# the synthetic crowd set at 128x128 (HG4-128, the official FPD student size, costs about 3x as much per step and
# would get only 3-4 epochs in the teacher's 15-minute CPU budget).
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_synthcrowd import *  # noqa: F401,F403

model['backbone'].update(num_stacks=4, channels=64)
