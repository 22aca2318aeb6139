"""LspPCKMetric: PCK@0.2 of the torso (left shoulder to right hip) as the LSP benchmark kit computes it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmpose_ext.datasets import LspDataset
from mmpose_ext.evaluation.metrics import LspPCKMetric

DATA = Path(__file__).resolve().parents[1] / 'data' / 'lsp'
COLUMNS = ['Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle', 'Mean']


def kit_reference(pred, gt, thr):
    """evaluatePCK.m / getDistPCK.m / computePCK.m of the benchmark kit, 1-based joint numbers as there:
    refDist = |gt(:,10) - gt(:,3)|, pck = 100 * mean(dist <= thr), Head = (13, 14), ..., total over all joints."""
    ref = np.sqrt(((gt[:, 10 - 1] - gt[:, 3 - 1]) ** 2).sum(1))
    dist = np.sqrt(((pred - gt) ** 2).sum(2)) / ref[:, None]
    pck = [None] + [100 * np.mean(dist[:, j - 1] <= thr) for j in range(1, 15)]
    pair = lambda a, b: (pck[a] + pck[b]) / 2  # noqa: E731
    return [pair(13, 14), pair(9, 10), pair(8, 11), pair(7, 12), pair(3, 4), pair(2, 5), pair(1, 6),
            100 * np.mean(dist <= thr)]


def test_equals_the_benchmark_kit_computation():
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 200, (300, 14, 2)) + 1
    pred = gt + rng.normal(0, 1, gt.shape) * rng.uniform(2, 30, (300, 1, 1))
    torso = np.linalg.norm(gt[:, 9] - gt[:, 2], axis=1)
    out = LspPCKMetric().evaluate_arrays(pred, gt, np.ones((300, 14), bool), torso)
    np.testing.assert_allclose([out[c] for c in COLUMNS], kit_reference(pred, gt, 0.2), rtol=0, atol=1e-9)


def test_hand_computed_torso_normalisation_and_boundary():
    gt = np.zeros((1, 14, 2))
    gt[0, 9] = (0.0, 0.0)    # left shoulder
    gt[0, 2] = (30.0, 40.0)  # right hip: torso 50 px, PCK@0.2 radius 10 px
    pred = gt.copy()
    pred[0, 13, 0] += 10.0   # head top exactly at the radius
    pred[0, 6, 1] += 10.5    # right wrist just outside
    out = LspPCKMetric().evaluate_arrays(pred, gt, np.ones((1, 14), bool), np.array([50.0]))
    assert [out[c] for c in COLUMNS] == [100, 100, 100, 50, 100, 100, 100, pytest.approx(100 * 13 / 14)]
    strict = LspPCKMetric(threshold_rule='mmpose').evaluate_arrays(pred, gt, np.ones((1, 14), bool),
                                                                   np.array([50.0]))
    assert strict['Head'] == 50 and strict['Mean'] == pytest.approx(100 * 12 / 14)


def test_ground_truth_of_the_fixture_scores_100_and_unlabelled_torso_is_skipped():
    ds = LspDataset(data_root=str(DATA), ann_file='lspet/joints.mat', data_prefix=dict(img='lspet/images/'),
                    pipeline=[], test_mode=True)
    samples = [dict(pred_instances=dict(keypoints=ds.get_data_info(i)['keypoints'].copy()),
                    raw_ann_info=ds.get_data_info(i)['raw_ann_info']) for i in range(len(ds))]
    metric = LspPCKMetric(extra_thrs=(0.1, ))
    metric.process([], samples)
    out = metric.evaluate(len(samples))
    assert out['lsp/Mean'] == 100 and out['lsp/Mean@0.1'] == 100
    raw = dict(samples[0]['raw_ann_info'], joints_vis=[1] * 9 + [0] + [1] * 4)  # no left shoulder: no torso
    assert metric.reference_length(raw, np.array(raw['joints'])) == 0.0
    with pytest.warns(UserWarning, match='1 persons have no positive reference length'):
        metric.evaluate_arrays(np.zeros((2, 14, 2)), np.zeros((2, 14, 2)), np.ones((2, 14), bool),
                               np.array([0.0, 10.0]))
