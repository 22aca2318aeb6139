# COCO for MIPNet at 384x288: every training crop carries its own person and the nearest other one (N=2); evaluation
# keeps all N poses per box (OKS-NMS 0.9). Validation uses ground-truth boxes, as MIPNet's headline results.
from mmengine.config import read_base

with read_base():
    from .coco_topdown_384x288 import *  # noqa: F401,F403

from mmpose.datasets import (CocoDataset, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

from mmpose_ext.datasets import MultiInstanceDataset
from mmpose_ext.datasets.transforms import GenerateMultiInstanceTarget, PrimaryRandomHalfBody
from mmpose_ext.evaluation.metrics import MultiInstanceCocoMetric

num_instances = 2
train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=PrimaryRandomHalfBody),
    dict(type=RandomBBoxTransform),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=GenerateMultiInstanceTarget, encoder=codec),
    dict(type=PackPoseInputs),
]
train_dataloader['dataset'] = dict(
    type=MultiInstanceDataset, num_instances=num_instances,
    dataset=dict(type=CocoDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_train2017.json', data_prefix=dict(img='train2017/'),
                 pipeline=train_pipeline))
val_dataloader.dataset.bbox_file = None  # ground-truth boxes; detector boxes: set bbox_file (README)
test_dataloader = val_dataloader
val_evaluator = dict(type=MultiInstanceCocoMetric, ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
