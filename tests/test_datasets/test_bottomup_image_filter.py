"""BottomupImageFilter names the training images without a labelled person and drops them only when asked."""
from __future__ import annotations

import json

import pytest
from mmpose.datasets import CocoDataset

from mmpose_ext.datasets import BottomupImageFilter


def test_counts_and_drops_images_without_labelled_persons(tmp_path, data_dir):
    coco = json.loads((data_dir / 'coco' / 'test_coco.json').read_text())
    image = dict(coco['images'][0], id=999, file_name='crowd_only.jpg')
    crowd = dict(coco['annotations'][0], id=99901, image_id=999, iscrowd=1, num_keypoints=0,
                 keypoints=[0] * 51)
    coco['images'].append(image)
    coco['annotations'].append(crowd)
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))

    def build(require):
        return BottomupImageFilter(dict(type=CocoDataset, data_root=str(tmp_path), ann_file=str(ann),
                                        data_mode='bottomup', data_prefix=dict(img='')), require_keypoints=require)

    dropped = build(True)
    assert len(dropped) == 4 and len(dropped.dataset) == 5
    assert 999 not in {dropped.get_data_info(i)['img_id'] for i in range(len(dropped))}
    kept = build(False)
    assert len(kept) == 5
    assert kept.metainfo['dataset_name'] == 'coco'


def test_refuses_a_set_without_any_labelled_person(tmp_path, data_dir):
    coco = json.loads((data_dir / 'coco' / 'test_coco.json').read_text())
    for a in coco['annotations']:
        a.update(num_keypoints=0, keypoints=[0] * 51)
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))
    with pytest.raises(ValueError, match='no training image'):
        BottomupImageFilter(dict(type=CocoDataset, data_root=str(tmp_path), ann_file=str(ann),
                                 data_mode='bottomup', data_prefix=dict(img='')))
