"""OfficialCocoMetric (COCO / OCHuman protocol) on the real samples: the bbox-in-results pitfall, results written by
the pipeline, pycocotools' ignore rule, ground truth as predictions, and the joint-count check."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_ext.datasets.common import AnnotationError, mmpose_metainfo
from mmpose_ext.evaluation.metrics import OfficialCocoMetric

DATA = Path(__file__).resolve().parents[1] / 'data'
COCO_GT = str(DATA / 'coco' / 'test_coco.json')
OCHUMAN_GT = str(DATA / 'ochuman' / 'test_ochuman.json')
NAMES = ['AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)', 'AR (L)']


def gt_results(gt_file: str, with_bbox: bool = False) -> list:
    out = []
    for a in json.loads(Path(gt_file).read_text())['annotations']:
        if a['num_keypoints'] == 0:
            continue
        k = np.array(a['keypoints'], dtype=float).reshape(-1, 3)
        k[:, 2] = 1.0
        r = dict(image_id=a['image_id'], category_id=1, keypoints=k.ravel().tolist(), score=1.0)
        if with_bbox:
            r['bbox'] = a['bbox']
        out.append(r)
    return out


def evaluate(gt_file: str, results: list, tmp_path: Path, meta: str = 'coco.py', **kwargs) -> dict:
    (tmp_path / 'res.json').write_text(json.dumps(results))
    with contextlib.redirect_stdout(io.StringIO()):
        metric = OfficialCocoMetric(ann_file=gt_file, metainfo=mmpose_metainfo(meta), prefix='x', **kwargs)
        out = metric.evaluate_results_file(str(tmp_path / 'res.json'))
    assert list(out) == [f'x/{n}' for n in NAMES]
    return {k[2:]: v for k, v in out.items()}


def test_ground_truth_as_predictions_scores_ap_1(tmp_path: Path):
    assert evaluate(OCHUMAN_GT, gt_results(OCHUMAN_GT), tmp_path, 'ochuman.py')['AP'] == pytest.approx(1.0)
    assert evaluate(COCO_GT, gt_results(COCO_GT), tmp_path)['AR'] == pytest.approx(1.0)


def test_bbox_in_results_moves_ap_m_and_ap_l_but_not_ap(tmp_path: Path):
    """The detection area comes from "bbox" when present, else from the keypoints' extent; it decides whether an
    unmatched detection counts as medium or large."""
    kpts = [[5.0 + (j % 5) * 12, 25.0 + (j // 5) * 12, 1.0] for j in range(17)]  # extent 48 x 36: "medium"
    fp = dict(image_id=785, category_id=1, keypoints=sum(kpts, []), score=2.0)  # ranked first
    with_box = gt_results(COCO_GT, with_bbox=True) + [dict(fp, bbox=[0.0, 0.0, 300.0, 300.0])]
    without = gt_results(COCO_GT) + [fp]
    a, b = evaluate(COCO_GT, with_box, tmp_path), evaluate(COCO_GT, without, tmp_path)
    assert a['AP'] == pytest.approx(b['AP']) and a['AR'] == pytest.approx(b['AR'])
    assert a['AP (L)'] < b['AP (L)'] == pytest.approx(1.0)  # the false positive is "large" only through its bbox
    assert a['AP (M)'] > b['AP (M)']  # and "medium" only through its keypoints


def _samples_from_gt(gt_file: str, kpt_score: float = 1.0) -> list:
    samples = []
    for i, a in enumerate(json.loads(Path(gt_file).read_text())['annotations']):
        k = np.array(a['keypoints'], dtype=np.float32).reshape(1, -1, 3)
        x, y, w, h = a['bbox']
        pred = InstanceData(keypoints=k[..., :2], keypoint_scores=np.full(k.shape[:2], kpt_score, np.float32),
                            bboxes=np.array([[x, y, x + w, y + h]], np.float32))
        samples.append(dict(id=a['id'], img_id=a['image_id'], category_id=1, pred_instances=pred.to_dict(),
                            gt_instances=dict(bbox_scores=np.ones(1, np.float32))))
    return samples


@pytest.mark.parametrize('results_bbox', [False, True])
def test_results_written_by_the_pipeline(tmp_path: Path, results_bbox: bool):
    metric = OfficialCocoMetric(ann_file=OCHUMAN_GT, prefix='ochuman', outfile_prefix=str(tmp_path / 'r'),
                                results_bbox=results_bbox)
    metric.dataset_meta = parse_pose_metainfo(mmpose_metainfo('ochuman.py'))
    metric.process([], _samples_from_gt(OCHUMAN_GT))
    with contextlib.redirect_stdout(io.StringIO()):
        out = metric.evaluate(5)
    assert out['ochuman/AP'] == pytest.approx(1.0)
    written = json.loads((tmp_path / 'r.keypoints.json').read_text())
    assert len(written) == 5 and all(('bbox' in r) == results_bbox for r in written)


def test_zero_score_detections_policy_is_logged_and_explicit(tmp_path: Path):
    results = gt_results(OCHUMAN_GT)
    for r in results[:2]:
        r['keypoints'][2::3] = [0.0] * 17
    keep = evaluate(OCHUMAN_GT, results, tmp_path, 'ochuman.py')
    drop = evaluate(OCHUMAN_GT, results, tmp_path, 'ochuman.py', zero_score_detections='drop')
    assert keep['AR'] == pytest.approx(1.0) and drop['AR'] == pytest.approx(3 / 5)
    with pytest.raises(ValueError, match='zero_score_detections'):
        OfficialCocoMetric(zero_score_detections='ignore')


def test_ground_truth_is_ignored_by_the_files_num_keypoints(tmp_path: Path):
    """pycocotools ignores a person with num_keypoints == 0 even when joints are labelled (xtcocotools counts)."""
    gt = json.loads(Path(OCHUMAN_GT).read_text())
    gt['annotations'][4]['num_keypoints'] = 0
    (tmp_path / 'gt.json').write_text(json.dumps(gt))
    results = [r for r in gt_results(OCHUMAN_GT)][:4]
    assert evaluate(str(tmp_path / 'gt.json'), results, tmp_path, 'ochuman.py')['AR'] == pytest.approx(1.0)


def test_joint_count_of_the_dataset_is_checked():
    metric = OfficialCocoMetric(ann_file=str(DATA / 'crowdpose' / 'test_crowdpose.json'))
    with pytest.raises(AnnotationError, match='has 42 keypoint values; coco expects 51'):
        metric.dataset_meta = parse_pose_metainfo(mmpose_metainfo('coco.py'))
