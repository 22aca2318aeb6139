"""MultiInstanceCocoMetric keeps every instance of a box and scores with real xtcocotools evaluation."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.evaluation import CocoMetric

from mmpose_ext.evaluation.metrics import MultiInstanceCocoMetric


def _persons(ann_file: Path, min_keypoints: int = 1):
    anns = json.loads(ann_file.read_text())['annotations']
    return [a for a in anns if a.get('num_keypoints', 0) >= min_keypoints and not a.get('iscrowd', 0)]


def _sample(box_owner: dict, instances: list, num_joints: int) -> dict:
    """A top-down result for the box of ``box_owner`` whose N predicted poses are the GT poses of ``instances``."""
    kpts = np.stack([np.array(a['keypoints'], dtype=np.float32).reshape(num_joints, 3) for a in instances])
    x, y, w, h = box_owner['bbox']
    n = len(instances)
    return dict(
        id=box_owner['id'], img_id=box_owner['image_id'], category_id=1,
        pred_instances=dict(keypoints=kpts[..., :2], keypoint_scores=np.ones(kpts.shape[:2], dtype=np.float32),
                            bboxes=np.repeat([[x, y, x + w, y + h]], n, axis=0).astype(np.float32),
                            bbox_scores=np.array([1.0] + [0.5] * (n - 1), dtype=np.float32)),
        gt_instances=dict(bbox_scales=np.array([[w * 1.25, h * 1.25]], dtype=np.float32),
                          bbox_scores=np.ones(1, dtype=np.float32)))


def _nearest_other(person: dict, persons: list) -> dict:
    others = [p for p in persons if p['image_id'] == person['image_id'] and p['id'] != person['id']]
    if not others:
        return person
    cx, cy = person['bbox'][0] + person['bbox'][2] / 2, person['bbox'][1] + person['bbox'][3] / 2
    return min(others, key=lambda p: (p['bbox'][0] + p['bbox'][2] / 2 - cx) ** 2 +
               (p['bbox'][1] + p['bbox'][3] / 2 - cy) ** 2)


def _evaluate(metric, samples, meta_file: str) -> dict:
    metric.dataset_meta = parse_pose_metainfo(dict(from_file=meta_file))
    metric.process([], samples)
    return metric.evaluate(size=len(samples))


COCO_META = 'configs/_base_/datasets/coco.py'
CROWDPOSE_META = 'configs/_base_/datasets/crowdpose.py'


def test_ground_truth_as_both_instances_scores_ap_1(data_dir, tmp_path):
    ann = data_dir / 'coco' / 'test_coco.json'
    persons = _persons(ann)
    samples = [_sample(p, [p, _nearest_other(p, persons)], 17) for p in persons]
    metric = MultiInstanceCocoMetric(ann_file=str(ann), outfile_prefix=str(tmp_path / 'r'))
    results = _evaluate(metric, samples, COCO_META)
    assert results['coco/AP'] == pytest.approx(1.0)
    written = json.loads((tmp_path / 'r.keypoints.json').read_text())
    # OKS-NMS 0.9 merged the duplicates: one result per person
    assert len(written) == len(persons)


def test_person_without_own_box_is_recovered_by_a_secondary_instance(data_dir, tmp_path):
    ann = data_dir / 'coco' / 'test_coco.json'
    persons = _persons(ann)
    hidden = next(p for p in persons if _nearest_other(p, persons) is not p)   # the detector "missed" its box
    carrier = _nearest_other(hidden, persons)
    samples = [_sample(p, [p, hidden if p is carrier else p], 17) for p in persons if p is not hidden]
    results = _evaluate(MultiInstanceCocoMetric(ann_file=str(ann), outfile_prefix=str(tmp_path / 'a')), samples,
                        COCO_META)
    assert results['coco/AR'] == pytest.approx(1.0)
    # stock CocoMetric (mmpose 1.3) cannot take two poses per box: the one box area it reads runs out at pose 2
    with pytest.raises(IndexError):
        _evaluate(CocoMetric(ann_file=str(ann), outfile_prefix=str(tmp_path / 'b')), samples, COCO_META)


def test_crowdpose_keypoints_crowd_without_nms(data_dir, tmp_path):
    ann = data_dir / 'crowdpose' / 'test_crowdpose.json'
    persons = _persons(ann)
    samples = [_sample(p, [p, _nearest_other(p, persons)], 14) for p in persons]
    metric = MultiInstanceCocoMetric(ann_file=str(ann), iou_type='keypoints_crowd', use_area=False,
                                     nms_mode='none', prefix='crowdpose', outfile_prefix=str(tmp_path / 'c'))
    results = _evaluate(metric, samples, CROWDPOSE_META)
    assert results['crowdpose/AP'] == pytest.approx(1.0)
    written = json.loads((tmp_path / 'c.keypoints.json').read_text())
    assert len(written) == 2 * len(persons), 'nms_mode none must keep both instances of every box'


def test_repeated_boxes_are_counted_once(data_dir, tmp_path):
    """Multi-process padding evaluates some boxes twice: their poses must not become extra detections."""
    ann = data_dir / 'coco' / 'test_coco.json'
    persons = _persons(ann)
    samples = [_sample(p, [p, _nearest_other(p, persons)], 17) for p in persons]
    metric = MultiInstanceCocoMetric(ann_file=str(ann), nms_mode='none', outfile_prefix=str(tmp_path / 'd'))
    _evaluate(metric, samples + samples[:3], COCO_META)
    written = json.loads((tmp_path / 'd.keypoints.json').read_text())
    assert len(written) == 2 * len(persons)


def test_official_crowdpose_protocol_keeps_every_pose(data_dir, tmp_path):
    from mmpose_ext.evaluation.metrics import MultiInstanceCrowdPoseMetric
    ann = data_dir / 'crowdpose' / 'test_crowdpose.json'
    persons = _persons(ann)
    samples = [_sample(p, [p, _nearest_other(p, persons)], 14) for p in persons]
    metric = MultiInstanceCrowdPoseMetric(ann_file=str(ann), outfile_prefix=str(tmp_path / 'o'))
    results = _evaluate(metric, samples, CROWDPOSE_META)
    ap = next(v for k, v in results.items() if k.endswith('/AP'))
    assert ap == pytest.approx(1.0)
    assert len(json.loads((tmp_path / 'o.keypoints.json').read_text())) == 2 * len(persons)
