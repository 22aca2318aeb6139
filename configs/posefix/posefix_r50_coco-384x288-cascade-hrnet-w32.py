# PoseFix R50 384x288 as the last stage of HRNet-W32 256x192 on COCO val2017, in one test run and without an
# intermediate file:
#   python tools/test.py configs/posefix/posefix_r50_coco-384x288-cascade-hrnet-w32.py POSEFIX_CHECKPOINT
# Stage 1 runs configs/baselines/td-hm_hrnet-w32_coco-256x192.py (its detector boxes, its CocoMetric) with mmpose's COCO
# checkpoint; stage 2 refines those results (PoseFixResultsDataset in memory, SetInputPose, PoseFixCocoMetric).
# Both APs are reported, the estimator's under estimator/. Another estimator: --cfg-options
# test_cfg.estimator_config=... test_cfg.estimator_checkpoint=...; the refined file: test_evaluator.out_file=...
# The model and data are those of posefix_r50_coco-384x288.py (its _base_ parts).
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.posefix_coco_384x288 import *  # noqa: F401,F403
    from .._base_.posefix_model import *  # noqa: F401,F403

from mmpose_ext.engine import PoseFixCascadeTestLoop

model.update(input_pose_sigma=input_pose_sigma)
model.head.decoder = codec

test_cfg = dict(
    type=PoseFixCascadeTestLoop,
    estimator_config='configs/baselines/td-hm_hrnet-w32_coco-256x192.py',
    estimator_checkpoint='https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/'
                         'td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth')
