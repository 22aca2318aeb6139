# Newell stacked hourglass on MPII 256x256 with the official Fast Pose Distillation recipe
# (ilovepose/fast-human-pose-estimation.pytorch, experiments/fpd_mpii/hourglass): Adam 2.5e-4 without weight
# decay, 140 epochs, lr x0.1 at 90 and 120, batch 4, sigma 2 on 64x64 heatmaps, rotation 30 / scale 0.25 / flip,
# no half-body, flip test with the heatmap shift. Every stack is supervised; the last is decoded.
from mmengine.config import read_base

with read_base():
    from .default_runtime import *  # noqa: F401,F403
    from .mpii_topdown_256x256 import *  # noqa: F401,F403

from mmengine.optim import MultiStepLR
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)
from mmpose.models import KeypointMSELoss, PoseDataPreprocessor, TopdownPoseEstimator
from torch.optim import Adam

from mmpose_ext.models import MultiStackHeatmapHead, StackedHourglass

train_cfg.update(max_epochs=140, val_interval=10)
optim_wrapper = dict(optimizer=dict(type=Adam, lr=2.5e-4))
param_scheduler = [dict(type=MultiStepLR, begin=0, end=140, milestones=[90, 120], gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=4)
default_hooks.update(checkpoint=dict(save_best='mpii/Mean', rule='greater'))

# the references' augmentation: scale in s * [0.75, 1.25] and rotation within +-60 degrees (2 x the factor 30)
# with probability 0.6, both from a clipped normal; no shift
train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, shift_prob=0, scale_factor=(0.75, 1.25), rotate_factor=60, rotate_prob=0.6),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=GenerateTarget, encoder=codec),
    dict(type=PackPoseInputs),
]
train_dataloader.update(batch_size=4)
train_dataloader['dataset'].update(pipeline=train_pipeline)

model = dict(
    type=TopdownPoseEstimator,
    data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    # the FPD teacher HG8-256; configs change num_stacks in both the backbone and the head
    backbone=dict(type=StackedHourglass, num_stacks=8, channels=256, depth=4, num_blocks=1, out_channels=16),
    head=dict(type=MultiStackHeatmapHead, num_stacks=8, out_channels=16,
              loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
