"""The CrowdPose, MPII, OCHuman and LSP configs build their datasets and evaluators and score a perfect model at the
maximum on the real samples in tests/data.

The "perfect model" goes through mmpose's own code on both sides: the config's test pipeline (TopdownAffine) maps
the ground truth into the model input, and ``TopdownPoseEstimator.add_pred_to_datasample`` maps it back to the
image, exactly as for real predictions. A one-pixel shift anywhere between loading and scoring would show as a
score below the maximum at PCKh@0.1 / OKS 0.95.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.models import TopdownPoseEstimator
from mmpose.registry import DATASETS, METRICS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / 'tests' / 'data'


def _load(name: str) -> Config:
    return Config.fromfile(str(ROOT / 'configs' / 'baselines' / name))


def oracle_evaluate(dataset_cfg: Dict[str, Any], evaluator_cfg: Dict[str, Any]) -> Dict[str, float]:
    """Feeds the ground truth through the test pipeline and back as predictions; returns the metrics."""
    dataset = DATASETS.build(dataset_cfg)
    metric = METRICS.build(evaluator_cfg)
    metric.dataset_meta = dataset.metainfo
    transforms = dataset.pipeline.transforms
    for i in range(len(dataset)):
        results = dataset.get_data_info(i)
        for t in transforms[:-1]:
            results = t(results)
        packed = transforms[-1](dict(results))
        sample = packed['data_samples']
        pred = InstanceData(keypoints=results['transformed_keypoints'].copy(),
                            keypoint_scores=np.ones(results['transformed_keypoints'].shape[:2], np.float32))
        TopdownPoseEstimator.add_pred_to_datasample(SimpleNamespace(test_cfg={}), [pred], None, [sample])
        metric.process([packed], [sample.to_dict()])
    return metric.evaluate(len(dataset))


def test_crowdpose_config_gt_boxes_score_ap_1(tmp_path: Path):
    cfg = _load('td-hm_hrnet-w32_crowdpose-256x192.py')
    root = str(DATA / 'crowdpose') + '/'
    ds = cfg.val_dataloader.dataset
    ds.update(data_root=root, ann_file='test_crowdpose.json', data_prefix=dict(img=''), bbox_file=None)
    ev = dict(cfg.val_evaluator, ann_file=root + 'test_crowdpose.json', outfile_prefix=str(tmp_path / 'r'))
    metrics = oracle_evaluate(ds, ev)
    assert list(metrics) == [f'crowdpose/{k}' for k in ('AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)',
                                                         'AP(M)', 'AP(H)')]
    assert metrics['crowdpose/AP'] == pytest.approx(1.0) and metrics['crowdpose/AR .75'] == pytest.approx(1.0)
    # both sample images have crowdIndex 0.33 / 0.39: only the medium split has persons
    assert metrics['crowdpose/AP(M)'] == 1.0
    assert metrics['crowdpose/AP(E)'] == metrics['crowdpose/AP(H)'] == -1


def test_crowdpose_config_train_and_detector_datasets_build():
    cfg = _load('td-hm_hrnet-w32_crowdpose-256x192.py')
    root = str(DATA / 'crowdpose') + '/'
    train = cfg.train_dataloader.dataset
    for sub in train.datasets:
        sub.update(data_root=root, ann_file='test_crowdpose.json', data_prefix=dict(img=''))
    assert len(DATASETS.build(train)) == 2 * 4  # trainval = train + val; the person without keypoints is skipped
    val = cfg.val_dataloader.dataset
    val.update(data_root=root, ann_file='test_crowdpose.json', data_prefix=dict(img=''),
               bbox_file=root + 'test_crowdpose_det_AP_40.json')
    dets = DATASETS.build(val)
    assert len(dets) == 6 and [dets.get_data_info(i)['id'] for i in range(6)] == [1, 2, 3, 4, 5, 6]


@pytest.mark.filterwarnings('ignore:Use the existing')  # mmpose: MPII boxes come as centre/scale
def test_mpii_config_gt_scores_100_in_both_layouts():
    cfg = _load('td-hm_hrnet-w32_mpii-256x256.py')
    root = str(DATA / 'mpii') + '/'
    ds = cfg.val_dataloader.dataset
    ds.update(data_root=root, ann_file='test_mpii.json', headbox_file=root + 'mpii_gt_val_sample5.mat',
              data_prefix=dict(img=''))
    metrics = oracle_evaluate(ds, cfg.val_evaluator)
    for name in ('Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle', 'Mean', 'Mean@0.1', 'Head PCK',
                 'PCK', 'PCK@0.1', 'single/Mean', 'single/Mean@0.1'):
        assert metrics[f'mpii/{name}'] == 100.0, name
    train = cfg.train_dataloader.dataset
    train.update(data_root=root, ann_file='test_mpii.json', data_prefix=dict(img=''))
    assert len(DATASETS.build(train)) == 5


def test_ochuman_config_val_and_test_score_ap_1(tmp_path: Path):
    cfg = _load('td-hm_hrnet-w32_ochuman-256x192.py')
    assert cfg.model.head.out_channels == 17  # a COCO-trained model
    root = str(DATA / 'ochuman') + '/'
    for loader, evaluator in (('val_dataloader', 'val_evaluator'), ('test_dataloader', 'test_evaluator')):
        ds = cfg[loader].dataset
        ds.update(data_root=root, ann_file='test_ochuman.json', data_prefix=dict(img=''))
        metrics = oracle_evaluate(ds, dict(cfg[evaluator], ann_file=root + 'test_ochuman.json'))
        assert metrics['ochuman/AP'] == pytest.approx(1.0) and metrics['ochuman/AR'] == pytest.approx(1.0)


def test_lsp_config_gt_scores_100():
    cfg = _load('td-hm_hrnet-w32_lsp-256x256.py')
    root = str(DATA / 'lsp') + '/'
    ds = cfg.val_dataloader.dataset
    ds.update(data_root=root, ann_file='lsp/joints.mat', data_prefix=dict(img='lsp/images/'), train_count=1)
    metrics = oracle_evaluate(ds, cfg.val_evaluator)
    assert set(metrics.values()) == {100.0}
    assert 'lsp/Mean' in metrics and 'lsp/Head' in metrics
    train = cfg.train_dataloader.dataset
    train.datasets[0].update(data_root=root, ann_file='lsp/joints.mat', data_prefix=dict(img='lsp/images/'),
                             train_count=1)
    train.datasets[1].update(data_root=root, ann_file='lspet/joints.mat', data_prefix=dict(img='lspet/images/'))
    assert len(DATASETS.build(train)) == 1 + 5
