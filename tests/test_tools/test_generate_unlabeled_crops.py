"""The unlabeled-crop converter: one JPEG per kept person of freshly rendered scenes, nothing else written,
deterministic per seed, framed like a top-down sample (box x 1.25, black outside the image), readable by
UnlabeledImageDataset."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmpose_ext.datasets import SyntheticCrowdDataset, UnlabeledImageDataset
from mmpose_ext.datasets.synthetic import SyntheticCrowdConfig, image_rng, render_scene
from mmpose_ext.tools.generate_unlabeled_crops import UNLABELED_SPLIT, padded_crop, write_unlabeled_crops

SETTINGS = dict(num_images=3, image_size=(64, 64), persons_per_image=(1, 2))


def test_one_crop_per_kept_person_and_nothing_else(tmp_path: Path):
    result = write_unlabeled_crops(str(tmp_path / 'a'), seed=5, **SETTINGS)
    config = SyntheticCrowdConfig(image_size=(64, 64), persons_per_image=(1, 2))
    expected = [f'{i + 1:06d}_{k}.jpg' for i in range(3)
                for k in range(len(render_scene(config, image_rng(5, UNLABELED_SPLIT, i)).kept_persons))]
    assert sorted(p.name for p in (tmp_path / 'a' / 'crops').iterdir()) == expected
    assert result['num_crops'] == len(expected) > 0
    assert [p.name for p in (tmp_path / 'a').iterdir()] == ['crops']  # no annotation file
    dataset = UnlabeledImageDataset(data_root=str(tmp_path / 'a'), data_prefix=dict(img='crops/'),
                                    metainfo=SyntheticCrowdDataset.METAINFO)
    assert len(dataset) == len(expected)


def test_deterministic_per_seed(tmp_path: Path):
    write_unlabeled_crops(str(tmp_path / 'a'), seed=5, **SETTINGS)
    write_unlabeled_crops(str(tmp_path / 'b'), seed=5, **SETTINGS)
    write_unlabeled_crops(str(tmp_path / 'c'), seed=6, **SETTINGS)
    read = lambda d: {p.name: p.read_bytes() for p in sorted((tmp_path / d / 'crops').iterdir())}  # noqa: E731
    assert read('a') == read('b')
    assert read('a') != read('c')


def test_crop_is_the_padded_box_with_black_outside():
    image = np.full((20, 30, 3), 200, dtype=np.uint8)
    crop = padded_crop(image, [0, 0, 8, 4], padding=1.5)  # centre (4, 2): 12x6 crop from x=-2, y=-1
    assert crop.shape == (6, 12, 3)
    assert (crop[:, :2] == 0).all() and (crop[:1] == 0).all()
    assert (crop[1:, 2:] == 200).all()
    with pytest.raises(ValueError, match='padding'):
        write_unlabeled_crops('unused', 1, padding=0.5)
