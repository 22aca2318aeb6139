# A small PoseFix for the CPU learning check on the synthetic crowd set: ResNet-18 at half width (stem and base
# channels 32, so 256 output channels), 128-channel deconvolutions, from scratch, input-pose sigma 3.5 px (the data
# base's: 7 px at 256x192 scaled to 128x96). A training step per crop takes 1.10x the `make demo` MIPNet's
# (tools/analysis/benchmark.py, one thread, one run), so 12 epochs should take about 11 minutes on 2 CPU cores.
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.posefix_model import *  # noqa: F401,F403
    from .._base_.posefix_synthcrowd_128x96 import *  # noqa: F401,F403

from mmengine.optim import LinearLR, MultiStepLR

model.update(input_pose_sigma=input_pose_sigma)
model.backbone.update(depth=18, stem_channels=32, base_channels=32)
model.backbone.pop('init_cfg')  # from scratch: ResNet's own Kaiming init
model.head.update(in_channels=256, deconv_out_channels=(128, 128, 128), decoder=codec)

train_cfg.update(max_epochs=12, val_interval=4)
randomness = dict(seed=0)
optim_wrapper.optimizer.update(lr=1e-3)
param_scheduler = [
    dict(type=LinearLR, begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type=MultiStepLR, begin=0, end=12, milestones=[8, 11], gamma=0.2, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks.update(logger=dict(interval=20), checkpoint=dict(interval=4, save_best='coco/AP', rule='greater'))
