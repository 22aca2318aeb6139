"""CrowdPoseMetric: hand-computed AP/AR/AP(easy, medium, hard), the CrowdPose pitfalls (area, iou_type, num_keypoints,
id 0, all-zero keypoint scores) and results files of the wrong dataset. Real xtcocotools evaluation throughout."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import List

import numpy as np
import pytest
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from mmpose_ext.datasets.common import AnnotationError
from mmpose_ext.evaluation.metrics import CrowdPoseMetric

DATA = Path(__file__).resolve().parents[1] / 'data'
SIGMAS = np.array([.79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89, .79, .79]) / 10
NAMES = ['AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)', 'AP(H)']


def person(x0: float, ann_id: int, head_neck_only: bool = False) -> dict:
    k = np.zeros((14, 3))
    k[:, 0] = x0 + np.arange(14) * 4.0
    k[:, 1] = 50 + np.arange(14) * 9.0
    k[:, 2] = 2
    if head_neck_only:
        k[:12] = 0
    return dict(id=ann_id, image_id=1, category_id=1, iscrowd=0, keypoints=k.ravel().tolist(),
                bbox=[x0 - 5, 40, 62, 140], num_keypoints=0 if head_neck_only else 12)


def write_gt(tmp_path: Path, persons: List[dict], crowd_index: float = 0.5) -> str:
    gt = dict(images=[dict(id=1, file_name='1.jpg', width=400, height=300, crowdIndex=crowd_index)],
              annotations=persons,
              categories=[dict(id=1, name='person', keypoints=[str(i) for i in range(14)], skeleton=[])])
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(gt))
    return str(path)


def result(ann: dict, score: float, dx: float = 0.0, kpt_score: float = 1.0) -> dict:
    k = np.array(ann['keypoints'], dtype=float).reshape(14, 3)
    k[:, 0] += dx
    k[:, 2] = kpt_score
    return dict(image_id=ann['image_id'], category_id=1, keypoints=k.ravel().tolist(), score=score)


def evaluate(gt_file: str, results: list, tmp_path: Path, **kwargs) -> dict:
    res = tmp_path / 'res.json'
    res.write_text(json.dumps(results))
    with contextlib.redirect_stdout(io.StringIO()):
        out = CrowdPoseMetric(ann_file=gt_file, **kwargs).evaluate_results_file(str(res))
    assert list(out) == [f'crowdpose/{n}' for n in NAMES]
    return {k.split('/')[1]: v for k, v in out.items()}


def test_hand_computed_ap_with_a_false_positive(tmp_path: Path):
    g1, g2 = person(20, 1), person(200, 2)
    gt = write_gt(tmp_path, [g1, g2])
    m = evaluate(gt, [result(g1, 0.9), result(g2, 0.8, dx=150)], tmp_path)
    # ranked: TP, FP -> precision 1 up to recall 0.5 (recall thresholds 0.00 .. 0.50: 51 of 101), then nothing
    assert m['AP'] == m['AP .5'] == m['AP .75'] == pytest.approx(51 / 101)
    assert m['AR'] == m['AR .5'] == m['AR .75'] == pytest.approx(0.5)
    assert (m['AP(E)'], m['AP(M)'], m['AP(H)']) == (-1, round(51 / 101, 4), -1)


@pytest.mark.parametrize('crowd_index, split', [(0.1, 'AP(E)'), (0.5, 'AP(M)'), (0.8, 'AP(H)')])
def test_crowd_index_splits(tmp_path: Path, crowd_index: float, split: str):
    g1 = person(20, 1)
    m = evaluate(write_gt(tmp_path, [g1], crowd_index), [result(g1, 0.9)], tmp_path)
    assert m[split] == 1.0 and sum(m[s] == -1 for s in ('AP(E)', 'AP(M)', 'AP(H)')) == 2


def test_all_zero_keypoint_scores_kept_like_crowdposetools(tmp_path: Path):
    """A correct detection whose keypoint scores are all 0 counts in crowdposetools, not in xtcocotools."""
    g1, g2 = person(20, 1), person(200, 2)
    gt = write_gt(tmp_path, [g1, g2])
    results = [result(g1, 0.9), result(g2, 0.8, dx=150), result(g2, 0.1, kpt_score=0.0)]
    keep = evaluate(gt, results, tmp_path)
    # TP, FP, TP -> precision 1 up to recall 0.5, then 2/3 up to recall 1
    assert keep['AP'] == pytest.approx((51 + 50 * 2 / 3) / 101) and keep['AR'] == pytest.approx(1.0)
    drop = evaluate(gt, results, tmp_path, zero_score_detections='drop')
    assert drop['AP'] == pytest.approx(51 / 101) and drop['AR'] == pytest.approx(0.5)


def test_head_and_neck_only_persons_are_ignored_by_num_keypoints(tmp_path: Path):
    g1, g2, g3 = person(20, 1), person(200, 2), person(320, 3, head_neck_only=True)
    gt = write_gt(tmp_path, [g1, g2, g3])
    m = evaluate(gt, [result(g1, 0.9), result(g2, 0.8)], tmp_path)
    assert m['AP'] == pytest.approx(1.0) and m['AR'] == pytest.approx(1.0)
    # iou_type='keypoints' counts labelled joints instead (2 here), so the person is not ignored and AP drops
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt)
        ev = COCOeval(coco, coco.loadRes(str(tmp_path / 'res.json')), 'keypoints', SIGMAS, use_area=False)
        ev.evaluate(), ev.accumulate(), ev.summarize()
    assert ev.stats[0] < 0.7 and ev.stats[5] == pytest.approx(2 / 3)


def test_protocol_is_fixed(tmp_path: Path):
    gt = str(DATA / 'crowdpose' / 'test_crowdpose.json')
    with pytest.raises(ValueError, match='use_area=True is not the CrowdPose protocol .*no "area"'):
        CrowdPoseMetric(ann_file=gt, use_area=True)
    with pytest.raises(ValueError, match="iou_type='keypoints' is not the CrowdPose protocol"):
        CrowdPoseMetric(ann_file=gt, iou_type='keypoints')
    # what use_area=True does with plain xtcocotools: CrowdPose ground truth has no "area"
    g1 = person(20, 1)
    gt_file = write_gt(tmp_path, [g1])
    (tmp_path / 'r.json').write_text(json.dumps([result(g1, 0.9)]))
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(KeyError, match='area'):
        coco = COCO(gt_file)
        COCOeval(coco, coco.loadRes(str(tmp_path / 'r.json')), 'keypoints_crowd', SIGMAS, use_area=True).evaluate()


def test_bad_annotation_files_stop_the_build(tmp_path: Path):
    gt = write_gt(tmp_path, [person(20, 0), person(200, 2)])
    with pytest.raises(AnnotationError, match=r'gt.json: annotations\[0\] \(id 0, image_id 1\) has annotation id 0'):
        CrowdPoseMetric(ann_file=gt)
    (tmp_path / 'broken.json').write_text('{"images": []')
    with pytest.raises(AnnotationError, match='broken.json is not JSON'):
        CrowdPoseMetric(ann_file=str(tmp_path / 'broken.json'))
    with pytest.raises(AnnotationError, match=r'image id 785 .*no "crowdIndex"; CrowdPoseMetric AP\(easy/medium/hard\)'
                                              r' needs it \(is this a CrowdPose file\?\)'):
        CrowdPoseMetric(ann_file=str(DATA / 'coco' / 'test_coco.json'))
    body17 = person(20, 1)
    body17['keypoints'] += [0.0] * 9
    with pytest.raises(AnnotationError, match=r'annotations\[0\] \(id 1, image_id 1\) has 51 keypoint values; '
                                              r'crowdpose expects 42'):
        CrowdPoseMetric(ann_file=write_gt(tmp_path, [body17]))


def test_results_file_of_another_dataset_is_refused(tmp_path: Path):
    gt = str(DATA / 'crowdpose' / 'test_crowdpose.json')
    coco_like = [dict(image_id=106848, category_id=1, keypoints=[1.0] * 51, score=0.5)]
    with pytest.raises(AnnotationError, match=r'res.json: entry \[0\] has 51 keypoint values, crowdpose expects 42'):
        evaluate(gt, coco_like, tmp_path)
    other_images = [dict(image_id=785, category_id=1, keypoints=[1.0] * 42, score=0.5)]
    with pytest.raises(AnnotationError, match=r'entry \[0\] has image_id 785, which is not an image of .*'
                                              r'test_crowdpose.json: results of another dataset or split'):
        evaluate(gt, other_images, tmp_path)
    mixed = [dict(image_id=106848, category_id=1, keypoints=[1.0] * 42, score=0.5),
             dict(image_id=106848, category_id=1, keypoints=[1.0] * 42, score=0.5, bbox=[0, 0, 1, 1])]
    with pytest.raises(AnnotationError, match=r'entry \[1\] has a "bbox" unlike entry \[0\]'):
        evaluate(gt, mixed, tmp_path)
