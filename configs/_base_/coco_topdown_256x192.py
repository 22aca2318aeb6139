# COCO top-down data at 256x192 with the HRNet augmentations (mmpose's td-hm COCO recipe).
from mmengine.dataset import DefaultSampler
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (CocoDataset, GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs,
                             RandomBBoxTransform, RandomFlip, RandomHalfBody, TopdownAffine)
from mmpose.evaluation import CocoMetric

data_root = 'data/coco/'
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
    dataset=dict(type=CocoDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_train2017.json', data_prefix=dict(img='train2017/'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=CocoDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_val2017.json', data_prefix=dict(img='val2017/'),
                 bbox_file=data_root + 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json',
                 test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type=CocoMetric, ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
