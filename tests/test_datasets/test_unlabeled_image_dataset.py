"""UnlabeledImageDataset: every image of a folder as one whole-image sample with empty targets, zero keypoint weights
of the right joint count and ``labeled=False``; it collates with labelled samples; an empty folder, a missing folder,
an unreadable image or a missing layout stop it at build time with the path."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.dataset import ConcatDataset, pseudo_collate
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomFlip,
                             TopdownAffine)
from mmpose.models import PoseDataPreprocessor
from mmpose.registry import DATASETS
from PIL import Image

from mmpose_ext.datasets import MpiiOfficialDataset, UnlabeledImageDataset
from mmpose_ext.datasets.transforms import RandomChannelScale

ROOT = Path(__file__).resolve().parents[2]
MPII = ROOT / 'tests' / 'data' / 'mpii'
CODEC = dict(type=MSRAHeatmap, input_size=(64, 64), heatmap_size=(16, 16), sigma=1)
PIPELINE = [dict(type=LoadImage), dict(type=GetBBoxCenterScale, padding=1.0), dict(type=RandomFlip),
            dict(type=TopdownAffine, input_size=CODEC['input_size']), dict(type=RandomChannelScale),
            dict(type=GenerateTarget, encoder=CODEC), dict(type=PackPoseInputs)]
SIZES = {'a.jpg': (40, 80), 'nested/b.png': (90, 30), 'nested/deeper/c.JPEG': (50, 50)}  # (height, width)


def build(folder: Path, **kwargs) -> UnlabeledImageDataset:
    cfg = dict(type=UnlabeledImageDataset, data_root=str(folder), metainfo=MpiiOfficialDataset.METAINFO,
               pipeline=PIPELINE)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / 'images'
    rng = np.random.default_rng(0)
    for name, (h, w) in SIZES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / name), rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    (root / 'notes.txt').write_text('not an image')
    return root


def test_every_image_is_one_whole_image_sample(folder: Path):
    dataset = build(folder)
    assert len(dataset) == 3
    assert [Path(dataset.get_data_info(i)['img_path']).relative_to(folder).as_posix() for i in range(3)] == \
        ['a.jpg', 'nested/b.png', 'nested/deeper/c.JPEG']
    for i, (h, w) in enumerate(SIZES.values()):
        info = dataset.get_data_info(i)
        np.testing.assert_array_equal(info['bbox'], [[0, 0, w, h]])
        assert info['keypoints'].shape == (1, 16, 2) and not info['keypoints_visible'].any()
        sample = dataset[i]
        assert tuple(sample['inputs'].shape) == (3, 64, 64)
        data = sample['data_samples']
        assert data.metainfo['labeled'] is False
        # RandomFlip mirrors the centre x to w - 1 - x (mmpose's pixel convention)
        np.testing.assert_allclose(data.metainfo['input_center'], [w / 2, h / 2], atol=1)
        assert max(data.metainfo['input_scale']) == pytest.approx(max(w, h))  # the whole image, aspect kept
        assert tuple(data.gt_fields.heatmaps.shape) == (16, 16, 16) and not data.gt_fields.heatmaps.any()
        assert tuple(data.gt_instance_labels.keypoint_weights.shape) == (1, 16)
        assert not data.gt_instance_labels.keypoint_weights.any()


def test_collates_with_labelled_samples(folder: Path):
    labelled_pipeline = [dict(type=LoadImage), dict(type=GetBBoxCenterScale),
                         dict(type=TopdownAffine, input_size=CODEC['input_size']),
                         dict(type=GenerateTarget, encoder=CODEC), dict(type=PackPoseInputs)]
    mixed = ConcatDataset([
        DATASETS.build(dict(type=MpiiOfficialDataset, data_root=str(MPII) + '/', ann_file='test_mpii.json',
                            data_prefix=dict(img=''), pipeline=labelled_pipeline)),
        build(folder)])
    batch = pseudo_collate([mixed[0], mixed[len(mixed) - 1]])
    data = PoseDataPreprocessor()(batch, training=True)
    assert tuple(data['inputs'].shape) == (2, 3, 64, 64)
    assert [s.metainfo.get('labeled', True) for s in data['data_samples']] == [True, False]
    weights = [tuple(s.gt_instance_labels.keypoint_weights.shape) for s in data['data_samples']]
    assert weights == [(1, 16), (1, 16)]


def test_exif_rotation_is_applied_to_the_box(tmp_path: Path):
    folder = tmp_path / 'exif'
    folder.mkdir()
    image = Image.fromarray(np.zeros((20, 40, 3), np.uint8))  # 40 wide, 20 high as stored
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees: decoded 20 wide, 40 high
    image.save(folder / 'rotated.jpg', exif=exif)
    dataset = build(folder)
    np.testing.assert_array_equal(dataset.get_data_info(0)['bbox'], [[0, 0, 20, 40]])
    assert dataset[0]['data_samples'].metainfo['ori_shape'] == (40, 20)


def test_bad_folders_and_images_are_named(tmp_path: Path, folder: Path):
    with pytest.raises(FileNotFoundError, match='image folder not found: .*nowhere'):
        build(tmp_path / 'nowhere')
    empty = tmp_path / 'empty'
    (empty / 'sub').mkdir(parents=True)
    (empty / 'readme.md').write_text('x')
    with pytest.raises(ValueError, match=r'no images .* in .*empty/ \(1 other files, e.g. .*readme.md'):
        build(empty)
    (folder / 'broken.jpg').write_bytes(b'this is not a jpeg')
    with pytest.raises(ValueError, match='cannot read image .*broken.jpg'):
        build(folder)
    with pytest.raises(ValueError, match='metainfo is required'):
        build(folder, metainfo=None)
    with pytest.raises(ValueError, match='ann_file is not used'):
        build(folder, ann_file='x.json')


def test_pipeline_must_pack_the_sample(folder: Path):
    dataset = build(folder, pipeline=PIPELINE[:-1])
    with pytest.raises(ValueError, match='must end with PackPoseInputs .*a.jpg'):
        dataset[0]
