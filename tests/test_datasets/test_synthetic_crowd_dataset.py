"""SyntheticCrowdDataset: loads generated scenes like CocoDataset and says how to generate missing data."""
from __future__ import annotations

from pathlib import Path

import pytest

from mmpose_ext.datasets import SyntheticCrowdDataset


def test_missing_annotations_name_the_generator(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match='generate_synthetic_crowd.py'):
        SyntheticCrowdDataset(data_root=str(tmp_path), ann_file='annotations/coco_train.json', pipeline=[])


def test_loads_real_coco_sample_like_coco_dataset(data_dir: Path):
    from mmpose.datasets import CocoDataset
    kwargs = dict(data_root=str(data_dir / 'coco'), ann_file='test_coco.json', data_prefix=dict(img=''),
                  pipeline=[])
    ours, theirs = SyntheticCrowdDataset(**kwargs), CocoDataset(**kwargs)
    assert len(ours) == len(theirs) > 0
    assert ours.metainfo['num_keypoints'] == 17
