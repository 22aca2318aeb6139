"""CrowdPoseOfficialDataset on the real CrowdPose sample: official file as distributed, num_keypoints kept from the
file, no id 0, and bad input stopped at build time with the file and the entry named."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mmpose_ext.datasets import CrowdPoseOfficialDataset
from mmpose_ext.datasets.common import AnnotationError

DATA = Path(__file__).resolve().parents[1] / 'data'
SAMPLE = DATA / 'crowdpose' / 'test_crowdpose.json'


def build(root: Path, ann: str = 'test_crowdpose.json', **kwargs) -> CrowdPoseOfficialDataset:
    return CrowdPoseOfficialDataset(data_root=str(root), ann_file=ann, data_prefix=dict(img=''), pipeline=[],
                                    **kwargs)


def copy_sample(tmp_path: Path, edit=None, images: bool = True) -> Path:
    data = json.loads(SAMPLE.read_text())
    if edit is not None:
        edit(data)
    (tmp_path / 'test_crowdpose.json').write_text(json.dumps(data))
    if images:
        for img in data['images']:
            shutil.copy(DATA / 'crowdpose' / img['file_name'], tmp_path / img['file_name'])
    return tmp_path


def test_loads_the_official_layout_with_crowd_index_and_file_ids():
    ds = build(DATA / 'crowdpose', test_mode=True)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    raw = {a['id']: a for a in json.loads(SAMPLE.read_text())['annotations']}
    assert len(ds) == 4  # person 131039 has num_keypoints 0: not a top-down sample
    assert ds.metainfo['num_keypoints'] == 14 and ds.metainfo['dataset_name'] == 'crowdpose'
    for info in infos:
        assert info['num_keypoints'] == raw[info['id']]['num_keypoints']
        assert info['crowd_index'] in (0.33, 0.39)
        np.testing.assert_allclose(info['keypoints'][0], np.array(raw[info['id']]['keypoints']).reshape(14, 3)[:, :2],
                                   atol=1e-3)


def test_num_keypoints_is_kept_from_the_file_not_recounted(tmp_path: Path):
    """CrowdPose counts labelled body joints only; a person with only head and neck labelled has num_keypoints 0."""
    def head_neck_only(data):
        ann = data['annotations'][0]
        k = np.array(ann['keypoints'], dtype=float).reshape(14, 3)
        k[:12] = 0
        k[12:, 2] = 1
        ann['keypoints'], ann['num_keypoints'] = k.ravel().tolist(), 0
    root = copy_sample(tmp_path, head_neck_only)
    ds = build(root, data_mode='bottomup', test_mode=True)
    per_image = {ds.get_data_info(i)['img_id']: ds.get_data_info(i) for i in range(len(ds))}
    data = json.loads((root / 'test_crowdpose.json').read_text())
    expected = [a['num_keypoints'] for a in data['annotations'] if a['image_id'] == 106848]
    assert expected == [0, 0, 10]
    assert list(per_image[106848]['num_keypoints']) == expected  # not the count of labelled joints (2, 0, 10)
    assert len(build(root, test_mode=True)) == 3  # top-down skips both num_keypoints == 0 persons, like the metric


def test_detection_boxes_from_results_file_are_numbered_from_one():
    ds = build(DATA / 'crowdpose', bbox_file=str(DATA / 'crowdpose' / 'test_crowdpose_det_AP_40.json'),
               test_mode=True)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['id'] for i in infos] == list(range(1, 7))
    assert {i['img_id'] for i in infos} == {106848, 103319}
    assert all(0 < i['bbox_score'][0] <= 1 for i in infos)


def test_missing_image_names_file_and_image(tmp_path: Path):
    root = copy_sample(tmp_path)
    (root / '103319.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'1 of 2 images listed in .*test_crowdpose.json are missing') as e:
        build(root)
    assert '103319.jpg' in str(e.value) and 'image id 103319' in str(e.value)


def test_annotation_file_that_is_not_json(tmp_path: Path):
    (tmp_path / 'test_crowdpose.json').write_text('{"images": [1, 2,\n  oops')
    with pytest.raises(AnnotationError, match=r'test_crowdpose.json is not JSON: .* line 2'):
        build(tmp_path)


def test_keypoint_array_of_another_dataset(tmp_path: Path):
    root = copy_sample(tmp_path, lambda d: d['annotations'][2].update(keypoints=[0.0] * 51))
    with pytest.raises(AnnotationError, match=r'annotations\[2\] \(id 147481.*has 51 keypoint values; crowdpose '
                                              r'expects 42'):
        build(root)


def test_annotation_id_0_is_refused(tmp_path: Path):
    root = copy_sample(tmp_path, lambda d: d['annotations'][1].update(id=0))
    with pytest.raises(AnnotationError, match=r'test_crowdpose.json: annotations\[1\] \(id 0.*renumber_annotation_ids'):
        build(root)


def test_detection_file_of_another_dataset(tmp_path: Path):
    coco_dets = str(DATA / 'coco' / 'test_coco_det_AP_H_56.json')
    with pytest.raises(AnnotationError, match=r'test_coco_det_AP_H_56.json: entry \[0\] has image_id 785, which is '
                                              r'not an image of .*test_crowdpose.json'):
        build(DATA / 'crowdpose', bbox_file=coco_dets, test_mode=True)


def test_crowd_index_and_num_keypoints_are_required(tmp_path: Path):
    root = copy_sample(tmp_path, lambda d: d['images'][0].pop('crowdIndex'))
    with pytest.raises(AnnotationError, match='image id 106848 .*no "crowdIndex"'):
        build(root)
    root = copy_sample(tmp_path, lambda d: d['annotations'][3].pop('num_keypoints'))
    with pytest.raises(AnnotationError, match=r'annotations\[3\] \(id 127068.*no "num_keypoints"'):
        build(root)
