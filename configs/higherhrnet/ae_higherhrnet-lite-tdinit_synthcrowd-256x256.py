# The learning check's recipe (docs/higherhrnet.md): the lite HigherHRNet of ae_higherhrnet-lite_synthcrowd-256x256.py
# with its backbone initialised from the top-down HRNet-lite trained on the same keypoints (the `make demo` baseline;
# the reference starts from an ImageNet HRNet, never from scratch), heatmaps first (AE loss off for 2 epochs, then
# ramped in over one), a 3x3 final convolution (the 16-channel feature feeds 17 heatmaps and 17 tags), and the two
# oracles logged at every validation. Train the top-down model first (docs/higherhrnet.md, learning check):
#   python tools/train.py configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py \
#       --work-dir work_dirs/higherhrnet_check/hrnet_lite
from mmengine.config import read_base

with read_base():
    from .._base_.higherhrnet_lite_synthcrowd_256 import *  # noqa: F401,F403

from mmpose_ext.engine import AELossRampHook, AEOracleHook

model.backbone.init_cfg = dict(type='Pretrained', prefix='backbone.',
                               checkpoint='work_dirs/higherhrnet_check/hrnet_lite/epoch_12.pth')
model.head.update(final_conv_kernel=3)
custom_hooks.extend([dict(type=AELossRampHook, start_iter=250, ramp_iters=125), dict(type=AEOracleHook)])
