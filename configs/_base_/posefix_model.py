# PoseFix (Moon, Chang and Lee, CVPR 2019) model parts: a ResNet whose first convolution reads the image and the K
# input-pose maps, mmpose's SimpleBaseline deconvolution head read out by soft-argmax, and the reference's loss
# (bilinear one-hot softmax cross-entropy + L1 on the coordinates, 1:1). A config sets the depth, the ImageNet
# weights, `input_pose_sigma` and `model.head.decoder` (its data base's RegressionLabel codec).
from mmpose.models import PoseDataPreprocessor
from torch.optim import Adam

from mmpose_ext.models import PoseFix, PoseFixHead, PoseFixLoss, PoseFixResNet

model = dict(
    type=PoseFix,
    input_pose_sigma=9.0,  # px at the input resolution: 7 at 256x192, 9 at 384x288 (reference)
    # input_pose_peak defaults to 255 / mean(std) ~ 4.4: the maps span the image's normalised dynamic range, as
    # the reference's 0..255 maps did next to its mean-subtracted 0..255 images
    data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    backbone=dict(type=PoseFixResNet, depth=50, num_pose_channels=17,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(type=PoseFixHead, in_channels=2048, out_channels=17, deconv_out_channels=(256, 256, 256),
              deconv_kernel_sizes=(4, 4, 4), loss=dict(type=PoseFixLoss, heatmap_weight=1.0, coord_weight=1.0)),
    test_cfg=dict(flip_test=True, shift_coords=True))

# The reference's L2 regulariser (1e-5) on convolution weights: torch's Adam adds weight_decay * w to the gradient,
# which is what a TF L2 loss term does. BN parameters and biases are not decayed (the reference regularises conv
# weights only).
optim_wrapper = dict(optimizer=dict(type=Adam, lr=5e-4, weight_decay=1e-5),
                     paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
