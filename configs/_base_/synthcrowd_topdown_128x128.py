# Synthetic crowd scenes (17 COCO keypoints) for top-down models at 128x128: square crops and 32x32 heatmaps, as
# the hourglass needs. Same data, augmentation and metric as synthcrowd_topdown_128x96.py.
# Generate the data first: python tools/dataset_converters/generate_synthetic_crowd.py data/synthetic_crowd
from mmengine.config import read_base

with read_base():
    from .synthcrowd_topdown_128x96 import *  # noqa: F401,F403

from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

# sigma 2 (not the 128x96 base's 1): with sigma 1 the hourglasses stayed on the all-zero plateau for most of a
# 10-epoch CPU budget (AP 0.000 for both the teacher and the student), as stacked hourglasses do early on
codec = dict(type=MSRAHeatmap, input_size=(128, 128), heatmap_size=(32, 32), sigma=2)

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
train_dataloader['dataset'].update(pipeline=train_pipeline)
val_dataloader['dataset'].update(pipeline=val_pipeline)
test_dataloader = val_dataloader
