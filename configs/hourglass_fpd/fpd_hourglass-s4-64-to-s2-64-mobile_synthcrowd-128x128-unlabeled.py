# fpd_hourglass-s4-64-to-s2-64-mobile_synthcrowd-128x128.py plus unlabeled person crops of a second synthetic set
# (another seed, keypoints discarded), shuffled into the labelled set; only the teacher supervises them (weight 1).
# An epoch covers both sets. Generate the crops first:
#   python tools/dataset_converters/generate_unlabeled_crops.py data/synthetic_crowd_unlabeled --num-images 500
from mmengine.config import read_base

with read_base():
    from .._base_.fpd_hourglass_synthcrowd import *  # noqa: F401,F403

from mmengine.dataset import ConcatDataset
from mmpose.datasets import GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomFlip, TopdownAffine

from mmpose_ext.datasets import SyntheticCrowdDataset, UnlabeledImageDataset
from mmpose_ext.datasets.transforms import RandomChannelScale

unlabeled_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale, padding=1.0),  # the crop is already padded around the person
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
        dict(type=UnlabeledImageDataset, data_root='data/synthetic_crowd_unlabeled/', data_prefix=dict(img='crops/'),
             metainfo=SyntheticCrowdDataset.METAINFO, pipeline=unlabeled_pipeline),
    ],
    ignore_keys=['CLASSES'])  # COCO-file datasets add their category list to the metainfo
