"""SetInputPose: the input pose in crop pixels, every joint valid, instances reduced to the crop's own person."""
from __future__ import annotations

import numpy as np
import pytest
from mmpose.datasets.transforms import GetBBoxCenterScale, TopdownAffine

from mmpose_ext.datasets.transforms import SetInputPose


def cropped(num_instances: int = 3, num_keypoints: int = 5) -> dict:
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(20, 80, size=(num_instances, num_keypoints, 2)).astype(np.float32)
    results = dict(img=np.zeros((100, 120, 3), np.uint8), img_shape=(100, 120), keypoints=keypoints,
                   keypoints_visible=np.ones((num_instances, num_keypoints), np.float32),
                   keypoints_visible_weights=np.ones((num_instances, num_keypoints), np.float32),
                   bbox=np.array([[10, 10, 90, 90]], np.float32))
    return TopdownAffine(input_size=(48, 64))(GetBBoxCenterScale()(results))


def test_input_pose_is_instance_0_in_crop_pixels_and_instances_are_reduced():
    results = cropped()
    original = results['keypoints'].copy()
    transformed = results['transformed_keypoints'].copy()
    out = SetInputPose()(results)
    assert out['input_keypoints'].dtype == np.float32 and out['input_keypoints'].shape == (1, 5, 2)
    np.testing.assert_array_equal(out['input_keypoints'], transformed[:1])
    # crop pixels: the box centre (50, 50) maps to the centre of the 48x64 input
    centre = dict(cropped(1, 1), keypoints=np.array([[[50.0, 50.0]]], np.float32))
    centre = SetInputPose()(TopdownAffine(input_size=(48, 64))(centre))
    np.testing.assert_allclose(centre['input_keypoints'][0, 0], [24.0, 32.0], atol=1e-4)
    assert out['input_keypoints_visible'].dtype == np.float32
    np.testing.assert_array_equal(out['input_keypoints_visible'], np.ones((1, 5)))
    for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints', 'keypoints_visible_weights'):
        assert out[key].shape[0] == 1, key
    np.testing.assert_array_equal(out['keypoints'], original[:1])


def test_before_topdown_affine_is_refused():
    results = GetBBoxCenterScale()(dict(keypoints=np.zeros((1, 5, 2), np.float32), img_path='a.jpg', id=7,
                                        bbox=np.array([[0, 0, 10, 10]], np.float32)))
    with pytest.raises(KeyError, match=r'a\.jpg \(id 7\)\. Put it after TopdownAffine'):
        SetInputPose()(results)


def test_posefix_data_bases_pack_the_shared_meta_keys():
    # the configs spell the keys out; they must be mmpose's defaults plus the input pose, as the tests use
    from pathlib import Path

    from mmengine.config import Config

    from mmpose_ext.datasets.transforms import POSEFIX_META_KEYS
    cfg = Config.fromfile(str(Path(__file__).resolve().parents[3] / 'configs' / '_base_' / 'posefix_coco_256x192.py'))
    assert tuple(cfg.posefix_meta_keys) == POSEFIX_META_KEYS
