# HigherHRNet-W32 on COCO at 512x512 (reference: 67.1 AP single scale with flip, 69.9 multi-scale [2, 1, 0.5]).
from mmengine.config import read_base

with read_base():
    from .._base_.higherhrnet_coco_512 import *  # noqa: F401,F403
