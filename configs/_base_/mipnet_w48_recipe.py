# MIPNet (N=2) on HRNet-W48, COCO, 384x288: the reference's main recipe (rawalkhirodkar/MIPNet at 505c92e).
# Fine-tuned from the COCO-trained HRNet-W48 for 110 epochs; only the new block parameters start fresh.
# Reference: COCO val2017 with ground-truth boxes 78.8 AP (HRNet-W48 78.1); not reproduced here yet.
# Shared by configs/mipnet/td-hm_mipnet-w48_coco-384x288.py, its alias configs/mipnet_w48.py and the OCHuman configs.
from mmengine.config import read_base

with read_base():
    from .default_runtime import *  # noqa: F401,F403
    from .hrnet_extra import hrnet_w48_extra
    from .mipnet_coco_384x288 import *  # noqa: F401,F403

from mmengine.optim import MultiStepLR
from mmpose.models import KeypointMSELoss, PoseDataPreprocessor
from torch.optim import Adam

from mmpose_ext.models import MIPNetEstimator, MIPNetHRNet, MultiInstanceHeatmapHead

train_cfg.update(max_epochs=110, val_interval=10)
train_dataloader.update(batch_size=10)  # per device; the reference used 4 GPUs x 10 crops (x2 lambdas)
optim_wrapper = dict(optimizer=dict(type=Adam, lr=1e-3, weight_decay=0.0))
param_scheduler = [dict(type=MultiStepLR, begin=0, end=110, milestones=[70, 100], gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=40)
default_hooks.update(checkpoint=dict(save_best='coco/AP', rule='greater'))
randomness = dict(seed=0)
load_from = ('https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/'
             'td-hm_hrnet-w48_8xb32-210e_coco-384x288-c161b7de_20220915.pth')

model = dict(
    type=MIPNetEstimator,
    data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    backbone=dict(type=MIPNetHRNet, in_channels=3, extra=hrnet_w48_extra, num_instances=num_instances,
                  mimb_at=('stage4', 'final')),
    head=dict(type=MultiInstanceHeatmapHead, num_instances=num_instances, in_channels=48, out_channels=17,
              deconv_out_channels=None, loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True, secondary_score_factor=0.5))
