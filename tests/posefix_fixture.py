"""A tiny untrained PoseFix (ResNet-18, 64x96 input) for the refine tool's tests, on any layout's dataset/metric."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from mmpose_ext.datasets.transforms import POSEFIX_META_KEYS

ROOT = Path(__file__).resolve().parents[1]
INPUT_SIZE = (64, 96)  # (w, h): a multiple of ResNet's stride 32, so the head's maps cover the input exactly


def tiny_posefix(tmp_path: Path, gt_file: Path, img_prefix: str, num_keypoints: int = 17,
                 dataset: str = 'PoseFixResultsDataset', metric: str = 'PoseFixCocoMetric',
                 dataset_options: Optional[dict] = None, flip_test: bool = True, width: int = 32,
                 batch_size: int = 4, **evaluator: Any) -> tuple:
    """A PoseFix config scoring ``gt_file`` and an untrained checkpoint: ``(config path, checkpoint path)``."""
    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'default_runtime.py'))
    codec = dict(type='RegressionLabel', input_size=INPUT_SIZE)
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=INPUT_SIZE), dict(type='SetInputPose'),
                dict(type='PackPoseInputs', meta_keys=POSEFIX_META_KEYS)]
    cfg.merge_from_dict(dict(
        model=dict(type='PoseFix', input_pose_sigma=2.0,
                   data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                          std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
                   backbone=dict(type='PoseFixResNet', depth=18, num_pose_channels=num_keypoints),
                   head=dict(type='PoseFixHead', in_channels=512, out_channels=num_keypoints,
                             deconv_out_channels=(width, ) * 3, deconv_kernel_sizes=(4, 4, 4), decoder=codec),
                   test_cfg=dict(flip_test=flip_test)),
        test_dataloader=dict(batch_size=batch_size, num_workers=0,
                             sampler=dict(type='DefaultSampler', shuffle=False),
                             dataset=dict(type=dataset, ann_file=str(gt_file), results_file='set-by-the-tool.json',
                                          data_prefix=dict(img=img_prefix), pipeline=pipeline,
                                          **(dataset_options or {}))),
        test_evaluator=dict(type=metric, ann_file=str(gt_file), **evaluator)))
    config = tmp_path / 'posefix_tiny.py'
    cfg.dump(str(config))
    init_default_scope('mmpose')
    torch.manual_seed(0)
    checkpoint = tmp_path / 'posefix_tiny.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta=dict()), checkpoint)
    return config, checkpoint
