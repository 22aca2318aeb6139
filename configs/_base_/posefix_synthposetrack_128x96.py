# PoseFix data on the synthetic PoseTrack-layout video set at 128x96, for the PoseTrack learning check. Make it first:
#   python tools/dataset_converters/generate_synthetic_posetrack.py data/synthetic_posetrack
#   python tools/dataset_converters/make_posefix_inputs.py data/synthetic_posetrack/annotations/posetrack18_train.json \
#       data/synthetic_posetrack/posefix/posetrack18_train_estimated.json --layout posetrack18 --seed 0
#   python tools/dataset_converters/make_posefix_inputs.py data/synthetic_posetrack/annotations/posetrack18_val.json \
#       data/synthetic_posetrack/posefix/posetrack18_val_weak_input.json --layout posetrack18 --seed 1 \
#       --random-joint-scores
from mmengine.config import read_base

with read_base():
    from .posefix_posetrack18_256x192 import *  # noqa: F401,F403

from mmpose.codecs import RegressionLabel
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

from mmpose_ext.datasets.transforms import SetInputPose, SynthesizePoseErrors
from mmpose_ext.evaluation.metrics import PoseFixPoseTrack18Metric

data_root = 'data/synthetic_posetrack/'
codec = dict(type=RegressionLabel, input_size=(96, 128))
input_pose_sigma = 3.5  # the reference's 7 px at 256x192, scaled with the input
train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, shift_prob=0., scale_factor=(0.7, 1.3), rotate_factor=80., rotate_prob=0.6),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=SynthesizePoseErrors, joint_kinds=posetrack_joint_kinds),
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
train_dataloader.dataset.update(data_root=data_root, estimated_results_file='posefix/posetrack18_train_estimated.json',
                                pipeline=train_pipeline)
val_dataloader.dataset.update(data_root=data_root, results_file=data_root + 'posefix/posetrack18_val_weak_input.json',
                              pipeline=val_pipeline)
test_dataloader = val_dataloader
val_evaluator = dict(type=PoseFixPoseTrack18Metric, ann_file=data_root + 'annotations/posetrack18_val.json')
test_evaluator = val_evaluator
