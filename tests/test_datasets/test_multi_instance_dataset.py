"""MultiInstanceDataset: the nearest other person by box centre, on real COCO, CrowdPose and OCHuman samples."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (CocoDataset, CrowdPoseDataset, GetBBoxCenterScale, LoadImage, OCHumanDataset,
                             PackPoseInputs, RandomFlip, TopdownAffine)

from mmpose_ext.datasets import MultiInstanceDataset
from mmpose_ext.datasets.multi_instance_dataset import nearest_instances
from mmpose_ext.datasets.transforms import GenerateMultiInstanceTarget, PrimaryRandomHalfBody

SAMPLES = {
    'coco': (CocoDataset, 'coco', 'test_coco.json'),
    'crowdpose': (CrowdPoseDataset, 'crowdpose', 'test_crowdpose.json'),
    'ochuman': (OCHumanDataset, 'ochuman', 'test_ochuman.json'),
}


def test_nearest_instances_by_squared_centre_distance():
    img_ids = [1, 1, 1, 2, 1]
    centres = np.array([[0, 0], [10, 0], [3, 4], [0, 0], [0, 6]], dtype=float)
    got = nearest_instances(img_ids, centres, num_others=2)
    # instance 0: distances 100 (1), 25 (2), 36 (4) -> 2 then 4; instance 3 is alone in image 2 -> itself
    assert got[0].tolist() == [2, 4]
    assert got[1].tolist() == [2, 0]   # d(1,2)=49+16=65, d(1,0)=100, d(1,4)=100+36=136
    assert got[3].tolist() == [3, 3]
    # ties keep annotation order
    tie = nearest_instances([7, 7, 7], np.array([[0, 0], [1, 0], [-1, 0]], dtype=float), num_others=1)
    assert tie[0].tolist() == [1]


def _expected_neighbour(ann_file: Path, dataset) -> dict:
    """Brute force from the raw JSON: ann id -> id of the nearest other trained-on person of its image."""
    anns = json.loads(ann_file.read_text())['annotations']
    valid_ids = {dataset.get_data_info(i)['id'] for i in range(len(dataset))}
    by_id = {a['id']: a for a in anns if a['id'] in valid_ids}
    expected = {}
    for ann_id, ann in by_id.items():
        x, y, w, h = ann['bbox']
        others = [o for o in by_id.values() if o['image_id'] == ann['image_id'] and o['id'] != ann_id]
        if not others:
            expected[ann_id] = ann_id
            continue

        def dist(o):
            ox, oy, ow, oh = o['bbox']
            return (ox + ow / 2 - x - w / 2) ** 2 + (oy + oh / 2 - y - h / 2) ** 2
        expected[ann_id] = min(others, key=dist)['id']
    return expected


@pytest.mark.parametrize('name', sorted(SAMPLES))
def test_secondary_is_nearest_other_person(name, data_dir):
    cls, folder, ann = SAMPLES[name]
    inner = dict(type=cls, data_root=str(data_dir / folder), ann_file=ann, data_prefix=dict(img=''),
                 data_mode='topdown', pipeline=[])
    dataset = MultiInstanceDataset(inner, num_instances=2)
    expected = _expected_neighbour(data_dir / folder / ann, dataset.dataset)
    assert len(dataset) == len(expected) > 0
    num_joints = dataset.metainfo['num_keypoints']
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        primary, secondary = info['instance_ann_ids']
        assert secondary == expected[primary], f'{name}: annotation {primary}'
        assert info['keypoints'].shape == (2, num_joints, 2)
        assert info['keypoints_visible'].shape == (2, num_joints)
        assert info['bbox'].shape == (1, 4)


def _pipeline(codec):
    return [
        dict(type=LoadImage),
        dict(type=GetBBoxCenterScale),
        dict(type=RandomFlip, direction='horizontal', prob=1.0),
        dict(type=PrimaryRandomHalfBody, prob=0.0),
        dict(type=TopdownAffine, input_size=codec['input_size']),
        dict(type=GenerateMultiInstanceTarget, encoder=codec),
        dict(type=PackPoseInputs),
    ]


def test_pipeline_packs_stacked_targets_and_the_primary_person(data_dir):
    codec = dict(type=MSRAHeatmap, input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
    inner = dict(type=CocoDataset, data_root=str(data_dir / 'coco'), ann_file='test_coco.json',
                 data_prefix=dict(img=''), data_mode='topdown', pipeline=_pipeline(codec))
    dataset = MultiInstanceDataset(inner, num_instances=2)
    differing = 0
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        sample = dataset[i]['data_samples']
        assert tuple(sample.gt_fields.heatmaps.shape) == (34, 64, 48)
        assert tuple(sample.gt_instance_labels.keypoint_weights.shape) == (1, 34)
        assert sample.gt_instances.keypoints.shape == (1, 17, 2)
        same = np.allclose(sample.gt_fields.heatmaps[:17], sample.gt_fields.heatmaps[17:])
        if info['instance_ann_ids'][0] == info['instance_ann_ids'][1]:
            assert same, f'annotation {info["id"]} is alone in its image: both targets must be its own'
        differing += not same
    # some neighbours keep more than 3 joints inside the crop (5 of the 12 crops here); the others fall back
    assert differing > 0


def test_wrapper_rejects_bottomup_datasets(data_dir):
    inner = dict(type=CocoDataset, data_root=str(data_dir / 'coco'), ann_file='test_coco.json',
                 data_prefix=dict(img=''), data_mode='bottomup', pipeline=[])
    with pytest.raises(ValueError, match='top-down'):
        MultiInstanceDataset(inner)


def test_concatenated_parts_keep_their_own_neighbours(data_dir):
    """CrowdPose trainval = train + val files: neighbours come from the same part (and the same image)."""
    from mmengine.dataset import ConcatDataset

    from mmpose_ext.datasets import CrowdPoseOfficialDataset
    part = dict(type=CrowdPoseOfficialDataset, data_root=str(data_dir / 'crowdpose'), ann_file='test_crowdpose.json',
                data_prefix=dict(img=''), data_mode='topdown', pipeline=[])
    single = MultiInstanceDataset(part)
    both = MultiInstanceDataset(dict(type=ConcatDataset, datasets=[part, part]))
    assert len(both) == 2 * len(single)
    for i in range(len(single)):
        first, second = both.get_data_info(i), both.get_data_info(i + len(single))
        assert first['instance_ann_ids'] == second['instance_ann_ids'] == single.get_data_info(i)['instance_ann_ids']
    assert (both.neighbours[len(single):] >= len(single)).all(), 'a neighbour was taken from the other part'
