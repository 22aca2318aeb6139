# Synthetic crowd scenes (17 COCO keypoints) for top-down models at 128x96.
# Generate the data first: python tools/dataset_converters/generate_synthetic_crowd.py data/synthetic_crowd
from mmengine.dataset import DefaultSampler
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)
from mmpose.evaluation import CocoMetric

from mmpose_ext.datasets import SyntheticCrowdDataset

data_root = 'data/synthetic_crowd/'
codec = dict(type=MSRAHeatmap, input_size=(96, 128), heatmap_size=(24, 32), sigma=1)

train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, rotate_factor=30),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=GenerateTarget, encoder=codec),
    dict(type=PackPoseInputs),
]
val_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=PackPoseInputs),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type=DefaultSampler, shuffle=True),
    dataset=dict(type=SyntheticCrowdDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/coco_train.json', data_prefix=dict(img='images/train/'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=SyntheticCrowdDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/coco_val.json', data_prefix=dict(img='images/val/'), test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type=CocoMetric, ann_file=data_root + 'annotations/coco_val.json')
test_evaluator = val_evaluator
