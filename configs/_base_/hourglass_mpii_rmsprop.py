# Newell stacked hourglass on MPII 256x256 with the pytorch-pose recipe that the unofficial Fast Pose
# Distillation code (yuanyuanli85/Fast_Human_Pose_Estimation_Pytorch) trains hg_s8_b1 / hg_s2_b1 / mobile with:
# RMSprop 2.5e-4, momentum 0, weight decay 0, batch 6, 90 epochs with lr x0.1 at 60 and 90 (as published: the
# second step falls on the last epoch), sigma 1 on 64x64 heatmaps. Augmentation as the official recipe.
from mmengine.config import read_base

with read_base():
    from .hourglass_mpii import *  # noqa: F401,F403

from mmengine.optim import MultiStepLR
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)
from torch.optim import RMSprop

codec = dict(type=MSRAHeatmap, input_size=(256, 256), heatmap_size=(64, 64), sigma=1)
train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, shift_prob=0, scale_factor=(0.75, 1.25), rotate_factor=60, rotate_prob=0.6),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=GenerateTarget, encoder=codec),
    dict(type=PackPoseInputs),
]
train_dataloader.update(batch_size=6)
train_dataloader['dataset'].update(pipeline=train_pipeline)
model['head'].update(decoder=codec)

train_cfg.update(max_epochs=90, val_interval=10)
optim_wrapper = dict(optimizer=dict(type=RMSprop, lr=2.5e-4, momentum=0, weight_decay=0))
param_scheduler = [dict(type=MultiStepLR, begin=0, end=90, milestones=[60, 90], gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=6)
