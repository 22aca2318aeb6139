"""LabelFractionDataset: a fixed share of the images keeps its labels; the rest is dropped or made unlabeled."""
from pathlib import Path

import numpy as np
import pytest
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, TopdownAffine

from mmpose_ext.datasets import LabelFractionDataset, SyntheticCrowdDataset

CODEC = dict(type=MSRAHeatmap, input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
PIPELINE = [dict(type=LoadImage), dict(type=GetBBoxCenterScale), dict(type=TopdownAffine, input_size=(64, 64)),
            dict(type=GenerateTarget, encoder=CODEC), dict(type=PackPoseInputs)]


@pytest.fixture(scope='module')
def ten_images(tmp_path_factory) -> Path:
    from mmpose_ext.tools.generate_synthetic_crowd import main as generate
    data = tmp_path_factory.mktemp('ten_images')
    generate([str(data), '--num-train', '10', '--num-val', '1', '--image-size', '64', '64', '--layout', 'coco',
              '--no-progress'])
    return data


def inner(data: Path) -> dict:
    return dict(type=SyntheticCrowdDataset, data_root=str(data) + '/', ann_file='annotations/coco_train.json',
                data_prefix=dict(img='images/train/'), pipeline=PIPELINE)


def test_split_is_by_image_and_fixed_by_the_subset_seed(ten_images):
    full = LabelFractionDataset(inner(ten_images), fraction=1.0)
    part = LabelFractionDataset(inner(ten_images), fraction=0.3, subset_seed=0)
    again = LabelFractionDataset(inner(ten_images), fraction=0.3, subset_seed=0)
    other = LabelFractionDataset(inner(ten_images), fraction=0.3, subset_seed=1)
    assert len(full) == len(full.dataset) and part.num_labeled_images == 3 and part.num_images == 10
    kept = {part.get_data_info(i)['img_id'] for i in range(len(part))}
    assert len(kept) == 3
    # every person of a kept image is kept
    assert len(part) == sum(1 for i in range(len(part.dataset)) if part.dataset.get_data_info(i)['img_id'] in kept)
    assert part.labeled_indices == again.labeled_indices
    assert part.labeled_indices != other.labeled_indices
    assert '3 of 10 images labelled' in part.summary() and 'the rest dropped' in part.summary()


def test_labelled_samples_are_the_inner_datasets_and_the_rest_is_unlabeled(ten_images):
    part = LabelFractionDataset(inner(ten_images), fraction=0.3, rest='unlabeled')
    assert len(part) == len(part.dataset)
    num_labeled = len(part.labeled_indices)
    first = part[0]
    same = part.dataset[part.labeled_indices[0]]
    assert np.array_equal(first['data_samples'].gt_fields.heatmaps, same['data_samples'].gt_fields.heatmaps)
    assert first['data_samples'].metainfo.get('labeled', True) is True
    assert first['data_samples'].gt_instance_labels.keypoint_weights.sum() > 0
    unlabeled = part[num_labeled]
    source = part.dataset[part.unlabeled_indices[0]]
    assert unlabeled['data_samples'].metainfo['labeled'] is False
    assert float(unlabeled['data_samples'].gt_instance_labels.keypoint_weights.sum()) == 0.0
    assert float(unlabeled['data_samples'].gt_fields.heatmaps.abs().sum()) == 0.0
    # the same crop as the labelled version of that person: only the labels are gone
    assert np.array_equal(unlabeled['inputs'], source['inputs'])
    assert part.metainfo['num_keypoints'] == 17


@pytest.mark.parametrize('kwargs, message', [(dict(fraction=0.0), 'fraction must be in'),
                                             (dict(fraction=1.5), 'fraction must be in'),
                                             (dict(fraction=0.5, rest='keep'), 'rest must be one of')])
def test_bad_arguments_are_refused(ten_images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        LabelFractionDataset(inner(ten_images), **kwargs)
