# PoseFix data on COCO at 256x192. Training: ground-truth persons with synthesised input-pose errors (an
# estimator's train-set results on ground-truth boxes fill the joints that are not annotated). Validation/test:
# refine another estimator's val results. File layout: README, PoseFix section.
from mmengine.dataset import DefaultSampler
from mmpose.codecs import RegressionLabel
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomBBoxTransform,
                             RandomFlip, TopdownAffine)

from mmpose_ext.datasets import PoseFixCocoDataset, PoseFixResultsDataset
from mmpose_ext.datasets.transforms import SetInputPose, SynthesizePoseErrors
from mmpose_ext.evaluation.metrics import PoseFixCocoMetric

data_root = 'data/coco/'
codec = dict(type=RegressionLabel, input_size=(192, 256))
input_pose_sigma = 7  # px at the input resolution (reference)
# mmpose 1.3.2's default meta keys of PackPoseInputs plus the input pose
posefix_meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'crowd_index', 'ori_shape', 'img_shape', 'input_size',
                     'input_center', 'input_scale', 'flip', 'flip_direction', 'flip_indices', 'raw_ann_info',
                     'dataset_name', 'input_keypoints', 'input_keypoints_visible')

train_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),  # ground-truth box x1.25; TopdownAffine fixes the aspect ratio
    dict(type=RandomFlip, direction='horizontal'),
    # reference: scale clip(N(1, 0.3), 0.7, 1.3), rotation clip(N(0, 40), -80, 80) with p 0.6, no shift; mmpose draws
    # truncated normals over the same ranges (rotation std 43 instead of 39 degrees)
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

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type=DefaultSampler, shuffle=True),
    dataset=dict(type=PoseFixCocoDataset, data_root=data_root, ann_file='annotations/person_keypoints_train2017.json',
                 data_prefix=dict(img='train2017/'), estimated_results_file='posefix/test_on_trainset.keypoints.json',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=PoseFixResultsDataset, data_root=data_root, ann_file='annotations/person_keypoints_val2017.json',
                 data_prefix=dict(img='val2017/'),
                 results_file=data_root + 'posefix/person_keypoints_256x192_resnet50_val2017_results.json',
                 pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type=PoseFixCocoMetric, ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
