# PoseFix data on the synthetic crowd set (17 COCO keypoints) at 128x96, for the learning check. Make the input
# files first: the train-set "estimate" and a weak val input, both the ground truth with synthesised errors:
#   python tools/dataset_converters/make_posefix_inputs.py data/synthetic_crowd/annotations/coco_train.json \
#       data/synthetic_crowd/posefix/coco_train_estimated.json --seed 0
#   python tools/dataset_converters/make_posefix_inputs.py data/synthetic_crowd/annotations/coco_val.json \
#       data/synthetic_crowd/posefix/coco_val_weak_input.json --seed 1
from mmengine.config import read_base

with read_base():
    from .posefix_coco_256x192 import *  # noqa: F401,F403

from mmpose.codecs import RegressionLabel
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

from mmpose_ext.datasets.transforms import SetInputPose, SynthesizePoseErrors

data_root = 'data/synthetic_crowd/'
codec = dict(type=RegressionLabel, input_size=(96, 128))
input_pose_sigma = 3.5  # the reference's 7 px at 256x192, scaled with the input
train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, shift_prob=0., scale_factor=(0.7, 1.3), rotate_factor=80., rotate_prob=0.6),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=SynthesizePoseErrors),
    dict(type=GenerateTarget, encoder=codec),
    dict(type=PackPoseInputs, meta_keys=posefix_meta_keys),
]
val_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=SetInputPose),
    dict(type=PackPoseInputs, meta_keys=posefix_meta_keys),
]
train_dataloader.update(batch_size=32)
train_dataloader.dataset.update(data_root=data_root, ann_file='annotations/coco_train.json',
                                data_prefix=dict(img='images/train/'),
                                estimated_results_file='posefix/coco_train_estimated.json', pipeline=train_pipeline)
val_dataloader.dataset.update(data_root=data_root, ann_file='annotations/coco_val.json',
                              data_prefix=dict(img='images/val/'),
                              results_file=data_root + 'posefix/coco_val_weak_input.json', pipeline=val_pipeline)
test_dataloader = val_dataloader
val_evaluator = dict(type=PoseFixCocoMetric, ann_file=data_root + 'annotations/coco_val.json')
test_evaluator = val_evaluator
