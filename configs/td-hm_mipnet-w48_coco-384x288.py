# The mmpose-style name of configs/mipnet_w48.py (MIPNet HRNet-W48, COCO, 384x288).
from mmengine.config import read_base

with read_base():
    from .mipnet_w48 import *  # noqa: F401,F403
