# Teacher of the synthetic FPD learning check: the demo's small HRNet (widths 16-128) on the hourglass students'
# 128x128 crops, 32x32 heatmaps and sigma 2, trained for 12 epochs (the students get 10). A cross-family teacher:
# the 4-stack hourglass that fitted the CPU budget before was barely stronger than the mobile student.
from mmengine.config import read_base

with read_base():
    from .._base_.hourglass_synthcrowd import *  # noqa: F401,F403
    from .._base_.hrnet_extra import hrnet_lite_extra

from mmengine.optim import LinearLR, MultiStepLR
from mmpose.models import HeatmapHead, HRNet

train_cfg.update(max_epochs=12, val_interval=4)
param_scheduler = [
    dict(type=LinearLR, begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type=MultiStepLR, begin=0, end=12, milestones=[9, 11], gamma=0.2, by_epoch=True),
]
default_hooks.update(checkpoint=dict(interval=4, max_keep_ckpts=3, save_best='coco/AP', rule='greater'))
# item assignment, not update(): ConfigDict.update would merge the hourglass keys into the HRNet dicts
model['backbone'] = dict(type=HRNet, in_channels=3, extra=hrnet_lite_extra)
model['head'] = dict(type=HeatmapHead, in_channels=16, out_channels=17, deconv_out_channels=None,
                     loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=codec)
