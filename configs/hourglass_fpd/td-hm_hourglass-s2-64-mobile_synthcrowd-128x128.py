# Student for the synthetic FPD learning check: a 2-stack, 64-channel mobile (depthwise) hourglass with the data
# and schedule of the teacher td-hm_hourglass-s4-64_synthcrowd-128x128.py.
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_synthcrowd import *  # noqa: F401,F403

model['backbone'].update(num_stacks=2, channels=64, mobile=True)
model['head'].update(num_stacks=2)
