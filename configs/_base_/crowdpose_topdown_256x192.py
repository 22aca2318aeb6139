# CrowdPose top-down data at 256x192 from the official annotation files (see docs/data_preparation.md):
# training on trainval (the train and val files concatenated), evaluation on the test split with the person
# boxes of det_for_crowd_test_0.1_0.5.json (the protocol of HigherHRNet and mmpose). For ground-truth boxes:
# tools/test.py --bbox-file none, and val_dataloader.dataset.bbox_file=None for validation during training (the
# test loader is a copy, the val key does not reach it); for the val split point ann_file (dataset and metric) at
# crowdpose_val.json. Your own files: --data-root DIR (docs/data_preparation.md, "Your own data").
from mmengine.dataset import ConcatDataset, DefaultSampler
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, RandomHalfBody, TopdownAffine)

from mmpose_ext.datasets import CrowdPoseOfficialDataset
from mmpose_ext.evaluation.metrics import CrowdPoseMetric

data_root = 'data/crowdpose/'
codec = dict(type=MSRAHeatmap, input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomHalfBody),
    dict(type=RandomBBoxTransform),
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
    dataset=dict(
        type=ConcatDataset,
        datasets=[
            dict(type=CrowdPoseOfficialDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/crowdpose_train.json', data_prefix=dict(img='images/'),
                 pipeline=train_pipeline),
            dict(type=CrowdPoseOfficialDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/crowdpose_val.json', data_prefix=dict(img='images/'),
                 pipeline=train_pipeline),
        ]))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=CrowdPoseOfficialDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/crowdpose_test.json', data_prefix=dict(img='images/'),
                 bbox_file=data_root + 'annotations/det_for_crowd_test_0.1_0.5.json',
                 test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type=CrowdPoseMetric, ann_file=data_root + 'annotations/crowdpose_test.json')
test_evaluator = val_evaluator
