# PoseFix data on PoseTrack18 at 256x192, in the reference's PoseTrack layout (17 joints, ears never labelled: never
# synthesised, no input point, left out of the crop extent, OKS-NMS and scoring). Training: posetrack18_train.json
# persons with synthesised input-pose errors (+ an estimator's train-set results on ground-truth boxes, e.g. the
# reference's input_pose/test_on_trainset/result.json). Test: refine another estimator's val results (the reference's
# input_pose/result.json), scored with PoseTrack's mAP as poseval computes it. Layout: docs/posefix.md, PoseTrack.
from mmengine.config import read_base

with read_base():
    from .posefix_coco_256x192 import *  # noqa: F401,F403

from mmpose_ext.datasets import PoseFixPoseTrack18Dataset, PoseFixPoseTrack18ResultsDataset
from mmpose_ext.evaluation.metrics import PoseFixPoseTrack18Metric

data_root = 'data/posetrack18/'
# the reference reads COCO's error table by joint index: head_bottom and head_top sit in the eyes' slots
posetrack_joint_kinds = dict(head_bottom='eye', head_top='eye')
train_pipeline = [dict(step, joint_kinds=posetrack_joint_kinds) if 'SynthesizePoseErrors' in str(step['type']) else
                  step for step in train_pipeline]
train_dataloader.update(dataset=dict(
    type=PoseFixPoseTrack18Dataset, data_root=data_root, ann_file='annotations/posetrack18_train.json',
    data_prefix=dict(img=''), estimated_results_file='posefix/test_on_trainset.keypoints.json',
    pipeline=train_pipeline))
val_dataloader.update(dataset=dict(
    type=PoseFixPoseTrack18ResultsDataset, data_root=data_root, ann_file='annotations/posetrack18_val.json',
    data_prefix=dict(img=''), results_file=data_root + 'posefix/posetrack18_val_input.json', pipeline=val_pipeline))
test_dataloader = val_dataloader
# ann_file: the merged file; gt_path=data_root + 'annotations/val/' scores against the official per-sequence folder
val_evaluator = dict(type=PoseFixPoseTrack18Metric, ann_file=data_root + 'annotations/posetrack18_val.json')
test_evaluator = val_evaluator
