# Stacked hourglass on the synthetic crowd set at 128x128, from scratch, with a schedule for a CPU learning check
# shared by the teacher and student configs (and the FPD distillation built on them): 10 epochs of Adam 1e-3 (as
# the HRNet-lite demo; the MPII recipes' 2.5e-4 is meant for 140 epochs), batch 16, lr warm-up, lr x0.1 for the
# last 2 epochs. The model here is the teacher; the student config changes the backbone (and the head's stacks).
from mmengine.config import read_base

with read_base():
    from .default_runtime import *  # noqa: F401,F403
    from .synthcrowd_topdown_128x128 import *  # noqa: F401,F403

from mmengine.optim import LinearLR, MultiStepLR
from mmpose.evaluation import PCKAccuracy
from mmpose.models import KeypointMSELoss, PoseDataPreprocessor, TopdownPoseEstimator
from torch.optim import Adam

from mmpose_ext.engine import ChannelsLastHook
from mmpose_ext.models import MultiStackHeatmapHead, StackedHourglass

randomness = dict(seed=0)
# PCK@0.1 of the box size next to COCO AP: the 10-epoch students sit near AP 0 (a pose needs most joints within
# OKS 0.5 to count), where PCK still tells the models apart joint by joint
# a prefix like every other metric's ('pck/PCK'); without one mmengine warns on every build
val_evaluator = [val_evaluator, dict(type=PCKAccuracy, thr=0.1, norm_item='bbox', prefix='pck')]
test_evaluator = val_evaluator
train_cfg.update(max_epochs=10, val_interval=5)
train_dataloader.update(batch_size=16)
optim_wrapper = dict(optimizer=dict(type=Adam, lr=1e-3))
param_scheduler = [
    dict(type=LinearLR, begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type=MultiStepLR, begin=0, end=10, milestones=[8], gamma=0.1, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=16)
default_hooks.update(logger=dict(interval=20), checkpoint=dict(interval=5, save_best='coco/AP', rule='greater'))
custom_hooks.append(dict(type=ChannelsLastHook))  # NHWC convs: faster training steps on CPU

model = dict(
    type=TopdownPoseEstimator,
    data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    backbone=dict(type=StackedHourglass, num_stacks=4, channels=64, depth=4, num_blocks=1, out_channels=17),
    head=dict(type=MultiStackHeatmapHead, num_stacks=4, out_channels=17,
              loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
