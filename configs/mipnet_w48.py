# Alias of configs/mipnet/td-hm_mipnet-w48_coco-384x288.py (MIPNet HRNet-W48, COCO, 384x288): the documented
# entry point `python tools/train.py configs/mipnet_w48.py`. The only config outside a method folder.
from mmengine.config import read_base

with read_base():
    from ._base_.mipnet_w48_recipe import *  # noqa: F401,F403
