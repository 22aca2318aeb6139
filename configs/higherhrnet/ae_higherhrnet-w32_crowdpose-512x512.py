# HigherHRNet-W32 on CrowdPose at 512x512: trained on trainval, tested on test with the official protocol
# (reference: 65.9 AP single scale with flip, 67.6 multi-scale). Data from the official files, see
# docs/data_preparation.md.
from mmengine.config import read_base

with read_base():
    from .._base_.higherhrnet_coco_512 import *  # noqa: F401,F403

from mmengine.dataset import ConcatDataset

from mmpose_ext.datasets import CrowdPoseOfficialDataset
from mmpose_ext.evaluation.metrics import CrowdPoseMetric

data_root = 'data/crowdpose/'
# the reference groups with the first 14 entries of its COCO joint order, a permutation of CrowdPose's 14 joints
codec.update(decode_keypoint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13])
model.head.update(num_keypoints=14, decoder=codec)

train_dataloader.dataset.dataset = dict(
    type=ConcatDataset,
    datasets=[dict(type=CrowdPoseOfficialDataset, data_root=data_root, data_mode='bottomup',
                   ann_file=f'annotations/crowdpose_{split}.json', data_prefix=dict(img='images/'),
                   pipeline=train_pipeline) for split in ('train', 'val')])
val_dataloader.dataset = dict(type=CrowdPoseOfficialDataset, data_root=data_root, data_mode='bottomup',
                              ann_file='annotations/crowdpose_test.json', data_prefix=dict(img='images/'),
                              test_mode=True, pipeline=val_pipeline)
test_dataloader = val_dataloader
val_evaluator = dict(type=CrowdPoseMetric, ann_file=data_root + 'annotations/crowdpose_test.json',
                     score_mode='bbox', nms_mode='none')
test_evaluator = val_evaluator
default_hooks.update(checkpoint=dict(interval=10, save_best='crowdpose/AP', rule='greater'))
