# PoseFix, ResNet-50, PoseTrack18 256x192: the reference's release recipe (Adam 5e-4, 140 epochs, x0.1 at 90 and 120,
# 16 crops per device on 2 GPUs, conv weight decay 1e-5, ImageNet initialisation) at 256x192, input-pose sigma 7 px,
# in the reference's PoseTrack layout; scored with PoseTrack's mAP (as poseval).
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.posefix_model import *  # noqa: F401,F403
    from .._base_.posefix_posetrack18_256x192 import *  # noqa: F401,F403

from mmengine.optim import MultiStepLR

model.update(input_pose_sigma=input_pose_sigma)
model.head.update(decoder=codec)

train_cfg.update(max_epochs=140, val_interval=10)
train_dataloader.update(batch_size=16)
optim_wrapper.optimizer.update(lr=5e-4)
param_scheduler = [dict(type=MultiStepLR, begin=0, end=140, milestones=[90, 120], gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=32)
default_hooks.update(checkpoint=dict(save_best='posetrack18/AP', rule='greater'))
