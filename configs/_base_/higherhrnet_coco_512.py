# HigherHRNet-W32 bottom-up on COCO at 512x512, the reference's w32_512_adam_lr1e-3 recipe: data (uniform scale
# 0.75-1.5 of the short side, rotation +-30, shift up to 0.2 of the crop, flip; targets at 1/4 and 1/2 with sigma 2,
# valid-region masks), model (HRNet-W32 whose stage 4 keeps the 1/4 branch + HigherHRNetHead), Adam 1e-3 without
# weight decay for 300 epochs (x0.1 at 200 and 260), 12 images per GPU on 4 GPUs, evaluation as the reference
# (flip test, official aggregation, grouping top-30 / 0.1 / tag 1.0, score = mean joint value, no OKS-NMS).
from mmengine.config import read_base

with read_base():
    from .default_runtime import *  # noqa: F401,F403
    from .hrnet_extra import hrnet_w32_extra

from mmengine.dataset import DefaultSampler
from mmengine.optim import MultiStepLR
from mmpose.codecs import AssociativeEmbedding
from mmpose.datasets import CocoDataset, LoadImage, RandomFlip
from mmpose.models import HRNet
from torch.optim import Adam

from mmpose_ext.codecs import FastAssociativeEmbedding
from mmpose_ext.datasets import BottomupImageFilter
from mmpose_ext.datasets.transforms import (GenerateHigherHRNetTargets, HigherHRNetHeatmapMask, HigherHRNetRandomAffine,
                                            HigherHRNetResize, PackBottomupInputs)
from mmpose_ext.evaluation.metrics import OfficialCocoMetric
from mmpose_ext.models import BottomupDataPreprocessor, HigherHRNetEstimator, HigherHRNetHead, HigherHRNetLoss

data_root = 'data/coco/'
input_size = (512, 512)
# targets of the two outputs (1/4 and 1/2), sigma 2 at both (mmpose's default would be 2 and 4)
target_codecs = [dict(type=AssociativeEmbedding, input_size=input_size, heatmap_size=(128, 128), sigma=2),
                 dict(type=AssociativeEmbedding, input_size=input_size, heatmap_size=(256, 256), sigma=2)]
# decoding of the aggregated maps (projected to the input size; the head rescales to the real map size);
# centre shift 0.5 with the reference's truncated target centres (its ADJUST), top-30 per joint, threshold 0.1
codec = dict(type=FastAssociativeEmbedding, input_size=input_size, heatmap_size=(128, 128), sigma=2,
             decode_keypoint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16], decode_nms_kernel=5,
             decode_topk=30, decode_keypoint_thr=0.1, decode_tag_thr=1.0, decode_center_shift=0.5,
             decode_max_instances=30)

train_pipeline = [
    dict(type=LoadImage),
    dict(type=HigherHRNetRandomAffine, input_size=input_size),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=GenerateHigherHRNetTargets, encoder=target_codecs, max_instances=30),
    dict(type=HigherHRNetHeatmapMask),
    dict(type=PackBottomupInputs),
]
# short side to 512, long side to a multiple of 64; multi-scale test: aug_scales=[2, 0.5] (the reference's [2, 1, 0.5])
val_pipeline = [
    dict(type=LoadImage),
    dict(type=HigherHRNetResize, input_size=input_size, size_factor=64),
    dict(type=PackBottomupInputs),
]

train_dataloader = dict(
    batch_size=12,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=True),
    # images whose only annotations are crowd regions or keypoint-less persons stay, as in the reference (logged)
    dataset=dict(type=BottomupImageFilter, require_keypoints=False,
                 dataset=dict(type=CocoDataset, data_root=data_root, data_mode='bottomup',
                              ann_file='annotations/person_keypoints_train2017.json',
                              data_prefix=dict(img='train2017/'), pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=4,  # padded to a common size per batch (bottom/right); the reference runs batch 1
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=CocoDataset, data_root=data_root, data_mode='bottomup',
                 ann_file='annotations/person_keypoints_val2017.json', data_prefix=dict(img='val2017/'),
                 test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader

# one score per pose from the grouping (bbox_scores), every pose kept
val_evaluator = dict(type=OfficialCocoMetric, ann_file=data_root + 'annotations/person_keypoints_val2017.json',
                     score_mode='bbox', nms_mode='none')
test_evaluator = val_evaluator

train_cfg.update(max_epochs=300, val_interval=50)
env_cfg.update(cudnn_benchmark=False)  # bottom-up tests each image at its own size: autotuning would rerun per shape
# the reference's optim.Adam(params, lr) ignores the yaml's weight decay
optim_wrapper = dict(optimizer=dict(type=Adam, lr=1e-3, weight_decay=0))
param_scheduler = [dict(type=MultiStepLR, begin=0, end=300, milestones=[200, 260], gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=48)  # 4 GPUs x 12 images
default_hooks.update(checkpoint=dict(interval=10, save_best='coco/AP', rule='greater'))

# stage 4 keeps only the 1/4 branch, as the reference's HigherHRNet
backbone_extra = dict(hrnet_w32_extra, stage4=dict(hrnet_w32_extra['stage4'], multiscale_output=False))
model = dict(
    type=HigherHRNetEstimator,
    data_preprocessor=dict(type=BottomupDataPreprocessor, mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32),
    backbone=dict(
        type=HRNet,
        in_channels=3,
        extra=backbone_extra,
        init_cfg=dict(type='Pretrained',
                      checkpoint='https://download.openmmlab.com/mmpose/pretrain_models/hrnet_w32-36af842e.pth')),
    head=dict(
        type=HigherHRNetHead,
        in_channels=32,
        num_keypoints=17,
        tag_dim=1,
        tag_per_keypoint=True,
        num_deconvs=1,
        deconv_out_channels=(32, ),
        deconv_kernel_sizes=(4, ),
        num_basic_blocks=4,
        cat_output=(True, ),
        with_ae_loss=(True, False),
        final_conv_kernel=1,
        loss=dict(type=HigherHRNetLoss, with_heatmaps_loss=(True, True), heatmaps_loss_factor=(1.0, 1.0),
                  push_loss_factor=(1e-3, 1e-3), pull_loss_factor=(1e-3, 1e-3), ae_loss_type='exp'),
        decoder=codec),
    # aggregation='mmpose0x' resizes every output straight to the input size, as mmpose 0.x evaluated its models
    test_cfg=dict(flip_test=True, aggregation='official', project2image=True, align_corners=False,
                  with_heatmaps=(True, True), with_ae=(True, False)))
