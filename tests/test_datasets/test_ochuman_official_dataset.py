"""OCHumanOfficialDataset on the real OCHuman sample: 17 COCO joints, ground-truth and detector boxes, checks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmpose_ext.datasets import OCHumanOfficialDataset
from mmpose_ext.datasets.common import AnnotationError

DATA = Path(__file__).resolve().parents[1] / 'data' / 'ochuman'


def build(**kwargs) -> OCHumanOfficialDataset:
    return OCHumanOfficialDataset(data_root=str(DATA), ann_file='test_ochuman.json', data_prefix=dict(img=''),
                                  pipeline=[], test_mode=True, **kwargs)


def test_ground_truth_boxes():
    ds = build()
    assert len(ds) == 5 and ds.metainfo['num_keypoints'] == 17
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['id'] for i in infos] == [1, 2, 3, 4, 5]
    assert infos[0]['img_path'].endswith('003799.jpg') and infos[0]['img_id'] == 1  # ids differ from file names


def test_detector_boxes_from_a_results_file_of_the_same_split(tmp_path: Path):
    gt = json.loads((DATA / 'test_ochuman.json').read_text())
    dets = [dict(image_id=a['image_id'], category_id=1, bbox=a['bbox'], score=0.9) for a in gt['annotations']]
    dets.append(dict(image_id=3, category_id=1, bbox=[10, 10, 50, 120], score=0.3))
    (tmp_path / 'dets.json').write_text(json.dumps(dets))
    ds = build(bbox_file=str(tmp_path / 'dets.json'))
    assert len(ds) == 6 and [ds.get_data_info(i)['id'] for i in range(6)] == [1, 2, 3, 4, 5, 6]


def test_detector_boxes_of_another_dataset_are_refused():
    with pytest.raises(AnnotationError, match='image_id 785, which is not an image of .*test_ochuman.json'):
        build(bbox_file=str(DATA.parent / 'coco' / 'test_coco_det_AP_H_56.json'))


def test_crowdpose_file_is_refused_by_keypoint_count(tmp_path: Path):
    with pytest.raises(AnnotationError, match='has 42 keypoint values; ochuman expects 51'):
        OCHumanOfficialDataset(data_root=str(DATA.parent / 'crowdpose'), ann_file='test_crowdpose.json',
                               data_prefix=dict(img=''), pipeline=[])
