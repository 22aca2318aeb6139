# HRNet-W32 top-down heatmap model trained on COCO (the recipe of td-hm_hrnet-w32_coco-256x192.py) and evaluated on
# OCHuman: val (val_dataloader) and test (test_dataloader), ground-truth boxes by default. OCHuman has no training
# split, so the usual use is: python tools/test.py configs/baselines/td-hm_hrnet-w32_ochuman-256x192.py COCO_CHECKPOINT.pth
# Data layout: docs/data_preparation.md.
from mmengine.config import read_base

with read_base():
    from .._base_.coco_topdown_256x192 import *  # noqa: F401,F403
    from .._base_.ochuman_topdown_256x192 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.hrnet_extra import hrnet_w32_extra

from mmengine.optim import LinearLR, MultiStepLR
from mmpose.models import HeatmapHead, HRNet, KeypointMSELoss, PoseDataPreprocessor, TopdownPoseEstimator
from torch.optim import Adam

train_cfg.update(max_epochs=210, val_interval=10)
optim_wrapper = dict(optimizer=dict(type=Adam, lr=5e-4))
param_scheduler = [
    dict(type=LinearLR, begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type=MultiStepLR, begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=512)
train_dataloader.update(batch_size=64)

model = dict(
    type=TopdownPoseEstimator,
    data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    backbone=dict(
        type=HRNet,
        in_channels=3,
        extra=hrnet_w32_extra,
        init_cfg=dict(type='Pretrained',
                      checkpoint='https://download.openmmlab.com/mmpose/pretrain_models/hrnet_w32-36af842e.pth')),
    head=dict(type=HeatmapHead, in_channels=32, out_channels=17, deconv_out_channels=None,
              loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
