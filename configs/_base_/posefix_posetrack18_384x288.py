# PoseFix data on PoseTrack18 at 384x288 (the reference's main input size): as posefix_posetrack18_256x192, larger
# crops, input-pose sigma 9 px.
from mmengine.config import read_base

with read_base():
    from .posefix_posetrack18_256x192 import *  # noqa: F401,F403

from mmpose.codecs import RegressionLabel
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

from mmpose_ext.datasets.transforms import SetInputPose, SynthesizePoseErrors

codec = dict(type=RegressionLabel, input_size=(288, 384))
input_pose_sigma = 9
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
train_dataloader.dataset.update(pipeline=train_pipeline)
val_dataloader.dataset.update(pipeline=val_pipeline)
test_dataloader = val_dataloader
