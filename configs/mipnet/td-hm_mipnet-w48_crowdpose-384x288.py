# MIPNet (N=2) on HRNet-W48, CrowdPose (14 joints), 384x288: trained on trainval for 210 epochs (steps 170/200)
# from the COCO-trained HRNet-W48 backbone, tested with detector boxes and no NMS (all poses of every box are
# kept, as the reference). Reference: CrowdPose test 70.0 AP (E 78.1 / M 71.1 / H 59.4); not reproduced here yet.
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.hrnet_extra import hrnet_w48_extra
    from .._base_.mipnet_coco_384x288 import codec, num_instances, train_pipeline, val_pipeline

from mmengine.dataset import ConcatDataset, DefaultSampler
from mmengine.optim import MultiStepLR
from mmpose.models import KeypointMSELoss, PoseDataPreprocessor
from torch.optim import Adam

from mmpose_ext.datasets import CrowdPoseOfficialDataset, MultiInstanceDataset
from mmpose_ext.evaluation.metrics import MultiInstanceCrowdPoseMetric
from mmpose_ext.models import MIPNetEstimator, MIPNetHRNet, MultiInstanceHeatmapHead

# official annotation files (docs/data_preparation.md); trainval = train + val
data_root = 'data/crowdpose/'
train_dataloader = dict(
    batch_size=10, num_workers=2, persistent_workers=True, pin_memory=True,
    sampler=dict(type=DefaultSampler, shuffle=True),
    dataset=dict(type=MultiInstanceDataset, num_instances=num_instances, dataset=dict(type=ConcatDataset, datasets=[
        dict(type=CrowdPoseOfficialDataset, data_root=data_root, data_mode='topdown',
             ann_file=f'annotations/crowdpose_{split}.json', data_prefix=dict(img='images/'), pipeline=train_pipeline)
        for split in ('train', 'val')])))
val_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True, pin_memory=True, drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=CrowdPoseOfficialDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/crowdpose_test.json', data_prefix=dict(img='images/'),
                 bbox_file=data_root + 'annotations/det_for_crowd_test_0.1_0.5.json', test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
# the official CrowdPose protocol (AP, AP .5, AP .75, AR, AR .5, AR .75, AP(E/M/H)) on all poses of every box
val_evaluator = dict(type=MultiInstanceCrowdPoseMetric, ann_file=data_root + 'annotations/crowdpose_test.json')
test_evaluator = val_evaluator

train_cfg.update(max_epochs=210, val_interval=10)
optim_wrapper = dict(optimizer=dict(type=Adam, lr=1e-3, weight_decay=0.0))
param_scheduler = [dict(type=MultiStepLR, begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=30)
default_hooks.update(checkpoint=dict(save_best='crowdpose/AP', rule='greater'))
randomness = dict(seed=0)

model = dict(
    type=MIPNetEstimator,
    data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    backbone=dict(
        type=MIPNetHRNet, in_channels=3, extra=hrnet_w48_extra, num_instances=num_instances,
        init_cfg=dict(type='Pretrained', prefix='backbone.',
                      checkpoint='https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/'
                      'td-hm_hrnet-w48_8xb32-210e_coco-384x288-c161b7de_20220915.pth')),
    head=dict(type=MultiInstanceHeatmapHead, num_instances=num_instances, in_channels=48, out_channels=14,
              deconv_out_channels=None, loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True, secondary_score_factor=0.5))
