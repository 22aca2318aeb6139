# A small PoseFix for the CPU learning check in the PoseTrack layout (synthetic video set): ResNet-18 at half width
# (stem and base channels 32), 128-channel deconvolutions, from scratch, input-pose sigma 3.5 px, Adam 1e-3, 40 epochs
# of the 684 training persons (21-26 min on 2 shared CPU cores); scored with PoseTrack's mAP (as poseval) on the
# weak input of the synthetic val sequences. Data: configs/_base_/posefix_synthposetrack_128x96.py.
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.posefix_model import *  # noqa: F401,F403
    from .._base_.posefix_synthposetrack_128x96 import *  # noqa: F401,F403

from mmengine.optim import LinearLR, MultiStepLR

model.update(input_pose_sigma=input_pose_sigma)
model.backbone.update(depth=18, stem_channels=32, base_channels=32)
model.backbone.pop('init_cfg')  # from scratch: ResNet's own Kaiming init
model.head.update(in_channels=256, deconv_out_channels=(128, 128, 128), decoder=codec)

train_cfg.update(max_epochs=40, val_interval=40)
randomness = dict(seed=0)
optim_wrapper.optimizer.update(lr=1e-3)
param_scheduler = [
    dict(type=LinearLR, begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(type=MultiStepLR, begin=0, end=40, milestones=[32, 37], gamma=0.2, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks.update(logger=dict(interval=10), checkpoint=dict(interval=40, save_best='posetrack18/AP', rule='greater'))
