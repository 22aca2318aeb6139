"""Crowd evaluation: merged detector-like boxes, and recall of the persons that share a box."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_ext.analysis.crowd_eval import crowd_scores, merged_box_detections

SIGMAS = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))['sigmas']


def _person(ann_id, image_id, box, shift=0.0, labelled=17):
    x, y, w, h = box
    rng = np.random.default_rng(ann_id)
    pts = np.stack([rng.uniform(x + 2, x + w - 2, 17) + shift, rng.uniform(y + 2, y + h - 2, 17)], 1)
    vis = np.array([2] * labelled + [0] * (17 - labelled))
    pts[vis == 0] = 0
    kpts = np.concatenate([pts, vis[:, None]], 1).reshape(-1).tolist()
    return dict(id=ann_id, image_id=image_id, category_id=1, bbox=list(box), area=w * h * 0.6, iscrowd=0,
                num_keypoints=labelled, keypoints=kpts)


@pytest.fixture
def crowd(tmp_path: Path) -> Path:
    anns = [_person(1, 1, (10, 10, 40, 100), labelled=15), _person(2, 1, (14, 12, 40, 100)),  # one box for two
            _person(3, 1, (150, 10, 40, 100)),                                                # alone
            _person(4, 2, (10, 10, 40, 100))]                                                 # other image
    coco = dict(images=[dict(id=1, file_name='1.jpg', width=200, height=120),
                        dict(id=2, file_name='2.jpg', width=200, height=120)],
                annotations=anns, categories=[dict(id=1, name='person')])
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(coco))
    return path


def _results(path: Path, anns, tmp_path: Path) -> Path:
    out = tmp_path / 'res.json'
    out.write_text(json.dumps([dict(image_id=a['image_id'], category_id=1, keypoints=a['keypoints'], score=1.0)
                               for a in anns]))
    return out


def test_merged_boxes_keep_the_most_completely_labelled_person(crowd):
    dets = merged_box_detections(crowd, iou_thr=0.5)
    assert sorted((d['image_id'], d['bbox'][0]) for d in dets) == [(1, 14), (1, 150), (2, 10)]
    assert all(d['score'] == 1.0 and d['category_id'] == 1 for d in dets)


def test_recall_counts_shared_box_persons_only(crowd, tmp_path):
    anns = json.loads(crowd.read_text())['annotations']
    perfect = crowd_scores(crowd, _results(crowd, anns, tmp_path), SIGMAS)
    assert perfect['crowded_images'] == 1 and perfect['shared_box_persons'] == 2
    assert perfect['shared_box_recall'] == 1.0 and perfect['crowded_AP'] == pytest.approx(1.0)
    # a one-pose-per-box model behind merged boxes: person 1 is never predicted
    missing = crowd_scores(crowd, _results(crowd, [a for a in anns if a['id'] != 1], tmp_path), SIGMAS)
    assert missing['shared_box_recall'] == 0.5
    assert missing['crowded_AP'] < 1.0


def test_bad_results_file_is_named(crowd, tmp_path):
    bad = tmp_path / 'broken.json'
    bad.write_text('{not json')
    with pytest.raises(ValueError, match='broken.json'):
        crowd_scores(crowd, bad, SIGMAS)
