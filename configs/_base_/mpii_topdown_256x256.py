# MPII top-down data at 256x256 (mmpose's td-hm MPII recipe) on the json + mpii_gt_val.mat files of HRNet/mmpose
# (see docs/data_preparation.md). PCKh in the official layout and in mmpose's; keys mpii/Mean, mpii/PCK, ...
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

from mmpose_ext.datasets import MpiiOfficialDataset
from mmpose_ext.engine import ModelComplexityHook
from mmpose_ext.evaluation.metrics import MpiiPCKhMetric

with read_base():
    from .default_runtime import custom_hooks

data_root = 'data/mpii/'
codec = dict(type=MSRAHeatmap, input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, shift_prob=0),
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
    dataset=dict(type=MpiiOfficialDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/mpii_train.json', data_prefix=dict(img='images/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=MpiiOfficialDataset, data_root=data_root, data_mode='topdown',
                 ann_file='annotations/mpii_val.json', headbox_file=data_root + 'annotations/mpii_gt_val.mat',
                 data_prefix=dict(img='images/'), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type=MpiiPCKhMetric, split_by_person_count=True)
test_evaluator = val_evaluator

# the result table with Params (M) and GFLOPs next to the PCKh columns, as the hourglass / FPD papers report it;
# a config must import this file after default_runtime.py, whose custom_hooks would replace this list
custom_hooks = [*custom_hooks, dict(type=ModelComplexityHook)]
