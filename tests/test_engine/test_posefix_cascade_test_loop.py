"""PoseFixCascadeTestLoop: a tiny untrained top-down estimator and a tiny PoseFix in one tools/test.py run on the
COCO sample (no intermediate file), and the loop's checks of its configuration."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import MODELS

from mmpose_ext.datasets.transforms import POSEFIX_META_KEYS as META_KEYS

ROOT = Path(__file__).resolve().parents[2]
GT = ROOT / 'tests' / 'data' / 'coco' / 'test_coco.json'
INPUT_SIZE = (64, 96)  # (w, h), a multiple of ResNet's stride 32
PREPROCESSOR = dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                    bgr_to_rgb=True)


def dump_with_checkpoint(cfg: Config, path: Path) -> Path:
    """Writes the config and an untrained checkpoint of its model next to it; returns the checkpoint."""
    cfg.dump(str(path))
    init_default_scope('mmpose')
    torch.manual_seed(0)
    checkpoint = path.with_suffix('.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta=dict()), checkpoint)
    return checkpoint


def runtime(**parts) -> Config:
    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'default_runtime.py'))
    cfg.merge_from_dict(parts)
    cfg.train_cfg = cfg.val_cfg = None  # test-only configs
    return cfg


def tiny_estimator(tmp_path: Path) -> tuple:
    """A ResNet-18 SimpleBaseline on the sample's ground-truth boxes, evaluated by mmpose's CocoMetric."""
    codec = dict(type='MSRAHeatmap', input_size=INPUT_SIZE, heatmap_size=(16, 24), sigma=2)
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=INPUT_SIZE), dict(type='PackPoseInputs')]
    cfg = runtime(
        model=dict(type='TopdownPoseEstimator', data_preprocessor=PREPROCESSOR,
                   backbone=dict(type='ResNet', depth=18),
                   head=dict(type='HeatmapHead', in_channels=512, out_channels=17, deconv_out_channels=(32, 32, 32),
                             deconv_kernel_sizes=(4, 4, 4), loss=dict(type='KeypointMSELoss'), decoder=codec),
                   test_cfg=dict(flip_test=False)),
        test_dataloader=dict(batch_size=6, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                             dataset=dict(type='CocoDataset', ann_file=str(GT), data_mode='topdown', test_mode=True,
                                          data_prefix=dict(img=str(GT.parent) + '/'), pipeline=pipeline)),
        # scored by the box (1 for ground-truth boxes): an untrained model's keypoint scores would give score 0,
        # which PoseFix does not refine
        test_evaluator=dict(type='CocoMetric', ann_file=str(GT), score_mode='bbox'))
    config = tmp_path / 'estimator_tiny.py'
    return config, dump_with_checkpoint(cfg, config)


def tiny_cascade(tmp_path: Path, **dataset) -> tuple:
    """A ResNet-18 PoseFix whose test loop first runs :func:`tiny_estimator`."""
    estimator_config, estimator_checkpoint = tiny_estimator(tmp_path)
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=INPUT_SIZE), dict(type='SetInputPose'),
                dict(type='PackPoseInputs', meta_keys=META_KEYS)]
    cfg = runtime(
        model=dict(type='PoseFix', input_pose_sigma=2.0, data_preprocessor=PREPROCESSOR,
                   backbone=dict(type='PoseFixResNet', depth=18, num_pose_channels=17),
                   head=dict(type='PoseFixHead', in_channels=512, out_channels=17, deconv_out_channels=(32, 32, 32),
                             deconv_kernel_sizes=(4, 4, 4),
                             decoder=dict(type='RegressionLabel', input_size=INPUT_SIZE)),
                   test_cfg=dict(flip_test=True)),
        test_dataloader=dict(batch_size=4, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                             dataset=dict(dict(type='PoseFixResultsDataset', ann_file=str(GT), results_file=None,
                                               data_prefix=dict(img=str(GT.parent) + '/'), pipeline=pipeline),
                                          **dataset)),
        test_evaluator=dict(type='PoseFixCocoMetric', ann_file=str(GT), out_file=str(tmp_path / 'refined.json')),
        test_cfg=dict(type='PoseFixCascadeTestLoop', estimator_config=str(estimator_config),
                      estimator_checkpoint=str(estimator_checkpoint)),
        work_dir=str(tmp_path / 'work'))
    config = tmp_path / 'posefix_cascade_tiny.py'
    return config, dump_with_checkpoint(cfg, config)


def test_estimator_then_posefix_in_one_test_run(tmp_path: Path, run_tool):
    config, checkpoint = tiny_cascade(tmp_path)
    proc = run_tool(['python', 'tools/test.py', str(config), str(checkpoint), '--out', str(tmp_path / 'm.json')],
                    env={'OMP_NUM_THREADS': '1'})
    text = proc.stdout
    num_results = int(re.search(r'stage 1: (\d+) results to refine', text).group(1))
    assert 0 < num_results <= 12  # the sample's 12 labelled persons, after the estimator's OKS-NMS
    summary = re.search(r'PoseFix input <in-memory results>: (\d+) entries\n  refined poses: (\d+) \((\d+) kept, '
                        r'(\d+) suppressed', text)
    entries, refined, kept, suppressed = map(int, summary.groups())
    assert entries == refined == num_results and kept + suppressed == refined
    written = json.loads((tmp_path / 'refined.json').read_text())
    assert len(written) == kept and all(len(entry['keypoints']) == 51 for entry in written)
    metrics = json.loads((tmp_path / 'm.json').read_text())
    assert {'estimator/coco/AP', 'estimator/coco/AR', 'coco/AP', 'coco/AR'} <= set(metrics)
    assert 'PoseFix cascade, estimator vs refined:' in text
    assert not list(tmp_path.glob('**/*.keypoints.json'))  # nothing was written in between


def test_cascade_refuses_a_dataset_that_cannot_take_results(tmp_path: Path):
    config, _ = tiny_cascade(tmp_path, type='CocoDataset')
    cfg = Config.fromfile(str(config))
    cfg.visualizer.name = f'visualizer_{tmp_path.name}'  # one visualizer instance per runner in this process
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TypeError, match='refines through a PoseFixResultsDataset'):
        runner.build_test_loop(runner._test_loop)


def test_cascade_names_a_missing_estimator_config(tmp_path: Path):
    config, _ = tiny_cascade(tmp_path)
    cfg = Config.fromfile(str(config))
    cfg.test_cfg.estimator_config = 'no_such_estimator.py'
    cfg.visualizer.name = f'visualizer_{tmp_path.name}'
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FileNotFoundError, match='estimator_config not found; tried no_such_estimator.py'):
        runner.build_test_loop(runner._test_loop)
