# Leeds Sports Pose top-down data at 256x256 from the official joints.mat files (see docs/data_preparation.md):
# training on the 1,000 LSP training images plus the 10,000 of LSP Extended, evaluation on the 1,000 LSP test
# images with PCK@0.2 of the torso. LSP has no person boxes: boxes span the labelled joints, padded 1.5x here.
from mmengine.dataset import ConcatDataset, DefaultSampler
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

from mmpose_ext.datasets import LspDataset
from mmpose_ext.evaluation.metrics import LspPCKMetric

data_root = 'data/lsp/'
codec = dict(type=MSRAHeatmap, input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale, padding=1.5),
    dict(type=RandomFlip, direction='horizontal'),
    dict(type=RandomBBoxTransform, shift_prob=0),
    dict(type=TopdownAffine, input_size=codec['input_size']),
    dict(type=GenerateTarget, encoder=codec),
    dict(type=PackPoseInputs),
]
val_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale, padding=1.5),
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
            dict(type=LspDataset, data_root=data_root, ann_file='lsp_dataset/joints.mat', split='train',
                 data_prefix=dict(img='lsp_dataset/images/'), pipeline=train_pipeline),
            dict(type=LspDataset, data_root=data_root, ann_file='lspet_dataset/joints.mat', split='train',
                 data_prefix=dict(img='lspet_dataset/images/'), pipeline=train_pipeline),
        ]))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=LspDataset, data_root=data_root, ann_file='lsp_dataset/joints.mat', split='test',
                 data_prefix=dict(img='lsp_dataset/images/'), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type=LspPCKMetric)
test_evaluator = val_evaluator
