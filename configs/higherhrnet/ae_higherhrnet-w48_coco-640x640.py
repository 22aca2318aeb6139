# HigherHRNet-W48 on COCO at 640x640 (reference: 69.9 AP single scale with flip, 72.1 multi-scale).
from mmengine.config import read_base

with read_base():
    from .._base_.higherhrnet_coco_640 import *  # noqa: F401,F403
    from .._base_.hrnet_extra import hrnet_w48_extra

model.backbone.update(
    extra=dict(hrnet_w48_extra, stage4=dict(hrnet_w48_extra['stage4'], multiscale_output=False)),
    init_cfg=dict(type='Pretrained',
                  checkpoint='https://download.openmmlab.com/mmpose/pretrain_models/hrnet_w48-8ef0771d.pth'))
model.head.update(in_channels=48, deconv_out_channels=(48, ))
