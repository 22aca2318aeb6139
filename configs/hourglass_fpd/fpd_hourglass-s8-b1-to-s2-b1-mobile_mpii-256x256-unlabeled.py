# fpd_hourglass-s8-b1-to-s2-b1-mobile_mpii-256x256.py plus a folder of unlabeled images (any images; default
# data/unlabeled/images/, change with --cfg-options train_dataloader.dataset.datasets.1.data_root=...), shuffled
# into the MPII training set. Each is resized whole to 256x256 (aspect kept), flipped and colour-jittered, and only
# the teacher supervises it (weight 1.0). An epoch covers both sets.
# Reference MPII val PCKh@0.5: 85.69 (FPD without unlabeled images 85.41), not reproduced.
from mmengine.config import read_base

with read_base():
    from .._base_.fpd_hourglass_mobile_mpii import *  # noqa: F401,F403

from mmengine.dataset import ConcatDataset
from mmpose.datasets import GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomFlip, TopdownAffine

from mmpose_ext.datasets import MpiiOfficialDataset, UnlabeledImageDataset
from mmpose_ext.datasets.transforms import RandomChannelScale

unlabeled_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale, padding=1.0),  # the box is the whole image
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=RandomChannelScale, scale_range=(0.8, 1.2)),
    dict(type=GenerateTarget, encoder=codec),  # empty heatmaps and zero weights: no keypoint is visible
    dict(type=PackPoseInputs),
]
train_dataloader['dataset'] = dict(
    type=ConcatDataset,
    datasets=[
        train_dataloader.pop('dataset'),
        dict(type=UnlabeledImageDataset, data_root='data/unlabeled/', data_prefix=dict(img='images/'),
             metainfo=MpiiOfficialDataset.METAINFO, pipeline=unlabeled_pipeline),
    ])
