# HigherHRNet-W32 on COCO at 640x640 (reference: 68.5 AP single scale with flip, 70.6 multi-scale).
from mmengine.config import read_base

with read_base():
    from .._base_.higherhrnet_coco_640 import *  # noqa: F401,F403
