# PoseFix, ResNet-50, COCO 384x288: the Ascend port's recipe (Adam 5e-5, 140 epochs, /5 at 60, 90 and 120, 16 crops
# on one device, conv weight decay 1e-5, ImageNet initialisation, input-pose sigma 9 px). The port reports 73.2 AP
# on val2017 refining TF-SimpleHumanPose's ResNet-50 256x192 results (70.4 AP): reference, not reproduced here.
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.posefix_coco_384x288 import *  # noqa: F401,F403
    from .._base_.posefix_model import *  # noqa: F401,F403

from mmengine.optim import MultiStepLR

model.update(input_pose_sigma=input_pose_sigma)
model.head.update(decoder=codec)

train_cfg.update(max_epochs=140, val_interval=10)
train_dataloader.update(batch_size=16)
optim_wrapper.optimizer.update(lr=5e-5)
param_scheduler = [dict(type=MultiStepLR, begin=0, end=140, milestones=[60, 90, 120], gamma=0.2, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=16)
default_hooks.update(checkpoint=dict(save_best='coco/AP', rule='greater'))
