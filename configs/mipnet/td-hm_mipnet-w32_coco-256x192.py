# MIPNet (N=2) on HRNet-W32, COCO, 256x192, fine-tuned from the COCO-trained HRNet-W32 for 110 epochs.
# Reference batch: 3 GPUs x 32 crops (x2 lambdas).
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.hrnet_extra import hrnet_w32_extra
    from .._base_.mipnet_coco_256x192 import *  # noqa: F401,F403

from mmengine.optim import MultiStepLR
from mmpose.models import KeypointMSELoss, PoseDataPreprocessor
from torch.optim import Adam

from mmpose_ext.models import MIPNetEstimator, MIPNetHRNet, MultiInstanceHeatmapHead

train_cfg.update(max_epochs=110, val_interval=10)
train_dataloader.update(batch_size=32)
optim_wrapper = dict(optimizer=dict(type=Adam, lr=1e-3, weight_decay=0.0))
param_scheduler = [dict(type=MultiStepLR, begin=0, end=110, milestones=[70, 100], gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=96)
default_hooks.update(checkpoint=dict(save_best='coco/AP', rule='greater'))
randomness = dict(seed=0)
load_from = ('https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/'
             'td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth')

model = dict(
    type=MIPNetEstimator,
    data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    backbone=dict(type=MIPNetHRNet, in_channels=3, extra=hrnet_w32_extra, num_instances=num_instances),
    head=dict(type=MultiInstanceHeatmapHead, num_instances=num_instances, in_channels=32, out_channels=17,
              deconv_out_channels=None, loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True, secondary_score_factor=0.5))
