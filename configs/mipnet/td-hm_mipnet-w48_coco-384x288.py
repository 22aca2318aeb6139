# MIPNet (N=2) on HRNet-W48, COCO, 384x288: the reference's main recipe (in _base_/mipnet_w48_recipe.py, shared
# with the OCHuman configs). configs/mipnet_w48.py is its short alias, the README's entry point.
from mmengine.config import read_base

with read_base():
    from .._base_.mipnet_w48_recipe import *  # noqa: F401,F403
