"""MpiiPCKhMetric: hand-computed table, threshold semantics (<= vs <), both layouts, the single/multi split, and
equality on all 2,958 validation persons with (a) an independent reference of the official MATLAB evaluation and
(b) mmpose's MpiiPCKAccuracy."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.structures import InstanceData
from mmpose.evaluation.metrics import MpiiPCKAccuracy
from scipy.io import loadmat

from mmpose_ext.datasets import MpiiOfficialDataset
from mmpose_ext.evaluation.metrics import MpiiPCKhMetric

DATA = Path(__file__).resolve().parents[1] / 'data' / 'mpii'
OFFICIAL = ['Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle', 'Mean', 'Mean@0.1']
MMPOSE = ['Head PCK', 'Shoulder PCK', 'Elbow PCK', 'Wrist PCK', 'Hip PCK', 'Knee PCK', 'Ankle PCK', 'PCK', 'PCK@0.1']


def matlab_reference(pred, gt, missing, headboxes, thr):
    """The MPII kit's computation, written from its MATLAB code (evaluatePCKh.m, getDistPCKh.m, computePCK.m,
    genTablePCK.m): 14 joints in the kit's order, dist = |pred - gt| / (0.6 * |head box diagonal|), NaN where the
    joint is missing, pck = 100 * mean(dist(~isnan) <= thr), Head = mean(pck(neck), pck(head)), Total pools all."""
    kit_order = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 8, 9]  # rank rkne rhip lhip lkne lank rwri relb rsho
    head_size = 0.6 * np.sqrt(((headboxes[:, 1] - headboxes[:, 0]) ** 2).sum(1))  # lsho lelb lwri neck head
    dist = np.sqrt(((pred - gt) ** 2).sum(2)) / head_size[:, None]
    dist[missing] = np.nan
    dist = dist[:, kit_order]
    pck = [100 * np.mean(d[~np.isnan(d)] <= thr) for d in dist.T]
    total = 100 * np.mean(dist[~np.isnan(dist)] <= thr)
    return [(pck[12] + pck[13]) / 2, (pck[8] + pck[9]) / 2, (pck[7] + pck[10]) / 2, (pck[6] + pck[11]) / 2,
            (pck[2] + pck[3]) / 2, (pck[1] + pck[4]) / 2, (pck[0] + pck[5]) / 2, total]


@pytest.fixture(scope='module')
def val_gt():
    mat = loadmat(str(DATA / 'mpii_gt_val_full.mat'))
    gt = np.transpose(mat['pos_gt_src'], [2, 0, 1]).astype(np.float64)  # [2958, 16, 2], 1-based
    missing = mat['jnt_missing'].T.astype(bool)
    boxes = np.transpose(mat['headboxes_src'], [2, 0, 1]).astype(np.float64)
    return gt, missing, boxes


def noisy(gt, seed=0):
    rng = np.random.default_rng(seed)
    return gt + rng.normal(0, 1, gt.shape) * rng.uniform(1, 25, (len(gt), 1, 1))


def test_equals_official_matlab_computation_on_the_validation_set(val_gt):
    gt, missing, boxes = val_gt
    pred = noisy(gt)
    metric = MpiiPCKhMetric()
    head = 0.6 * np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1)
    out = metric.evaluate_arrays(pred, gt, ~missing, head)
    ref = matlab_reference(pred, gt, missing, boxes, 0.5)
    np.testing.assert_allclose([out[n] for n in OFFICIAL[:-1]], ref, rtol=0, atol=1e-9)
    assert out['Mean@0.1'] == pytest.approx(matlab_reference(pred, gt, missing, boxes, 0.1)[-1], abs=1e-9)
    assert 30 < out['Mean'] < 90  # a meaningful operating point, not all 0 or 100


def test_mmpose_layout_and_rule_equal_mmposes_mpii_pck_accuracy(val_gt):
    gt, missing, boxes = val_gt
    pred0 = (noisy(gt, seed=1) - 1).astype(np.float32)  # model output, 0-based frame
    head = 0.6 * np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1)
    theirs = MpiiPCKAccuracy()
    theirs.process([], [dict(pred_instances=InstanceData(keypoints=pred0[i:i + 1]).to_dict(),
                             gt_instances=dict(keypoints=gt[i:i + 1].astype(np.float32),
                                               keypoints_visible=~missing[i:i + 1], head_size=head[i:i + 1]))
                        for i in range(len(gt))])
    ref = theirs.compute_metrics(theirs.results)
    ours = MpiiPCKhMetric(threshold_rule='mmpose').evaluate_arrays(pred0.astype(np.float64) + 1, gt, ~missing, head)
    for name in MMPOSE:
        assert ours[name] == pytest.approx(float(ref[name]), abs=1e-6), name


def test_hand_computed_table_and_threshold_semantics():
    """One person, head box 30 x 40 -> head size 0.6 * 50 = 30 px: a joint 15 px off sits exactly at PCKh 0.5."""
    gt = np.zeros((1, 16, 2)) + 100.0
    pred = gt.copy()
    pred[0, 8, 0] += 15.0  # upper neck: ratio exactly 0.5
    pred[0, 10, 1] += 16.0  # right wrist: 0.533, wrong at 0.5
    pred[0, 0, 0] += 2.0  # right ankle: 0.067, right at 0.1 too
    pred[0, 5, 0] += 4.0  # left ankle: 0.133, right at 0.5, wrong at 0.1
    visible = np.ones((1, 16), bool)
    visible[0, 6:8] = True  # pelvis and thorax are never scored anyway
    official = MpiiPCKhMetric().evaluate_arrays(pred, gt, visible, np.array([30.0]))
    assert [official[n] for n in OFFICIAL] == [100, 100, 100, 50, 100, 100, 100, pytest.approx(100 * 13 / 14),
                                               pytest.approx(100 * 11 / 14)]
    assert official['Head PCK'] == 100  # head top only
    mm = MpiiPCKhMetric(threshold_rule='mmpose').evaluate_arrays(pred, gt, visible, np.array([30.0]))
    assert mm['Head'] == 50 and mm['Head PCK'] == 100  # the neck at exactly 0.5 fails with "<"
    assert mm['PCK'] == pytest.approx(100 * 12 / 14)


def test_single_and_multi_person_split(tmp_path: Path):
    anns = json.loads((DATA / 'test_mpii.json').read_text())
    ds = MpiiOfficialDataset(data_root=str(DATA), ann_file='test_mpii.json', headbox_file=str(
        DATA / 'mpii_gt_val_sample5.mat'), data_prefix=dict(img=''), pipeline=[], test_mode=True)
    samples = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        kpts = info['keypoints'].copy()
        if i == 4:
            kpts[0, :, 0] += 1000  # every joint wrong for the last person
        samples.append(dict(pred_instances=dict(keypoints=kpts), raw_ann_info=info['raw_ann_info']))
    counts = {a['image']: 1 for a in anns}
    counts[anns[3]['image']] = counts[anns[4]['image']] = 3  # as if the release annotated more people there
    (tmp_path / 'counts.json').write_text(json.dumps(counts))
    metric = MpiiPCKhMetric(person_counts_file=str(tmp_path / 'counts.json'))
    metric.process([], samples)
    out = metric.evaluate(5)
    assert out['mpii/single/persons'] == 3 and out['mpii/multi/persons'] == 2
    assert out['mpii/single/Mean'] == 100 and out['mpii/multi/Mean'] < 60
    assert 'single (3)' in metric.format_table({k[5:]: v for k, v in out.items()})
    default = MpiiPCKhMetric(split_by_person_count=True)  # counts from the annotation file: all single here
    default.process([], samples)
    assert default.evaluate(5)['mpii/single/persons'] == 5


def test_needs_the_plugin_dataset_and_head_boxes():
    metric = MpiiPCKhMetric()
    with pytest.raises(ValueError, match='MpiiOfficialDataset'):
        metric.process([], [dict(pred_instances=dict(keypoints=np.zeros((1, 16, 2))), img_path='a.jpg')])
    with pytest.raises(ValueError, match='needs head boxes'):
        metric.process([], [dict(pred_instances=dict(keypoints=np.zeros((1, 16, 2))),
                                 raw_ann_info=dict(joints=[[0, 0]] * 16, joints_vis=[1] * 16, image='a.jpg'))])
