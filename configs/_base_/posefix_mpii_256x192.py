# PoseFix data on MPII (16 joints) at 256x192, the reference's smaller input size, from COCO-style MPII files
# (tools/dataset_converters/mpii_to_coco.py; val with bbox_head from mpii_gt_val.mat). Training: train persons with
# synthesised input-pose errors (MPII's own sigmas and flip pairs) + an estimator's train-set results. Test: refine
# another estimator's val results, scored with MPII PCKh (PoseFixMpiiPCKhMetric). Layout: docs/posefix.md, MPII.
from mmengine.config import read_base

with read_base():
    from .default_runtime import custom_hooks
    from .posefix_coco_256x192 import *  # noqa: F401,F403

from mmpose_ext.datasets import PoseFixMpiiDataset, PoseFixMpiiResultsDataset
from mmpose_ext.engine import ModelComplexityHook
from mmpose_ext.evaluation.metrics import PoseFixMpiiPCKhMetric

data_root = 'data/mpii/'
train_dataloader.update(dataset=dict(
    type=PoseFixMpiiDataset, data_root=data_root, ann_file='annotations/mpii_train_coco.json',
    data_prefix=dict(img='images/'), estimated_results_file='posefix/test_on_trainset.keypoints.json',
    pipeline=train_pipeline))
val_dataloader.update(dataset=dict(
    type=PoseFixMpiiResultsDataset, data_root=data_root, ann_file='annotations/mpii_val_coco.json',
    data_prefix=dict(img='images/'), results_file=data_root + 'posefix/mpii_val_input.json', pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type=PoseFixMpiiPCKhMetric, ann_file=data_root + 'annotations/mpii_val_coco.json')
test_evaluator = val_evaluator

# the PCKh table with Params (M) and GFLOPs, as the other MPII configs print it; import this file after
# default_runtime.py, whose custom_hooks would replace this list
custom_hooks = [*custom_hooks, dict(type=ModelComplexityHook)]
