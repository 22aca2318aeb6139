# The synthetic crowd set for MIPNet: every training crop carries its own person and the nearest other one.
from mmengine.config import read_base

with read_base():
    from .synthcrowd_topdown_128x96 import *  # noqa: F401,F403

from mmpose.datasets import GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform, RandomFlip, \
    TopdownAffine

from mmpose_ext.datasets import MultiInstanceDataset, SyntheticCrowdDataset
from mmpose_ext.datasets.transforms import GenerateMultiInstanceTarget
from mmpose_ext.evaluation.metrics import MultiInstanceCocoMetric

num_instances = 2
# the HRNet-lite pipeline, with targets for both instances
train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, rotate_factor=30),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=GenerateMultiInstanceTarget, encoder=codec),
    dict(type=PackPoseInputs),
]
train_dataloader['dataset'] = dict(
    type=MultiInstanceDataset, num_instances=num_instances,
    dataset=dict(type=SyntheticCrowdDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/coco_train.json', data_prefix=dict(img='images/train/'),
                 pipeline=train_pipeline))
val_evaluator = dict(type=MultiInstanceCocoMetric, ann_file=data_root + 'annotations/coco_val.json')
test_evaluator = val_evaluator
