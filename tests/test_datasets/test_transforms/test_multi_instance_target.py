"""GenerateMultiInstanceTarget: out-of-crop joints become invisible, sparse secondaries fall back to the primary."""
from __future__ import annotations

import numpy as np
import pytest
from mmpose.codecs import MSRAHeatmap

from mmpose_ext.datasets.transforms import GenerateMultiInstanceTarget, PrimaryRandomHalfBody

CODEC = dict(type=MSRAHeatmap, input_size=(48, 64), heatmap_size=(12, 16), sigma=1)


def _results(primary, secondary, vis_secondary=None):
    keypoints = np.stack([primary, secondary]).astype(np.float32)
    visible = np.ones(keypoints.shape[:2], dtype=np.float32)
    if vis_secondary is not None:
        visible[1] = vis_secondary
    return dict(keypoints=keypoints.copy(), transformed_keypoints=keypoints.copy(), keypoints_visible=visible,
                input_size=(48, 64))


def test_secondary_with_enough_joints_gets_its_own_target():
    rng = np.random.default_rng(0)
    primary = rng.uniform(5, 40, size=(17, 2))
    secondary = rng.uniform(5, 40, size=(17, 2))
    out = GenerateMultiInstanceTarget(CODEC).transform(_results(primary, secondary))
    assert out['heatmaps'].shape == (34, 16, 12)
    assert out['keypoint_weights'].shape == (1, 34)
    assert not np.allclose(out['heatmaps'][:17], out['heatmaps'][17:])
    assert out['keypoints'].shape == (1, 17, 2) and out['transformed_keypoints'].shape == (1, 17, 2)
    np.testing.assert_allclose(out['instance_keypoints'][1], secondary, rtol=1e-6)


def test_joints_outside_the_crop_become_invisible():
    rng = np.random.default_rng(1)
    primary = rng.uniform(5, 40, size=(17, 2))
    secondary = rng.uniform(5, 40, size=(17, 2))
    secondary[:5, 0] = -3.0          # left of the crop
    secondary[5, 1] = 64.0           # exactly at the bottom edge: outside (valid rows are 0..63)
    out = GenerateMultiInstanceTarget(CODEC).transform(_results(primary, secondary))
    weights = out['keypoint_weights'][0, 17:]
    assert weights[:6].tolist() == [0.0] * 6
    assert (weights[6:] > 0).all()
    assert (out['instance_keypoints_visible'][1, :6] == 0).all()


@pytest.mark.parametrize('visible_inside,falls_back', [(3, True), (4, False)])
def test_sparse_secondary_falls_back_to_primary(visible_inside, falls_back):
    rng = np.random.default_rng(2)
    primary = rng.uniform(5, 40, size=(17, 2))
    secondary = rng.uniform(5, 40, size=(17, 2))
    vis = np.zeros(17, dtype=np.float32)
    vis[:visible_inside] = 1
    out = GenerateMultiInstanceTarget(CODEC).transform(_results(primary, secondary, vis))
    same = np.allclose(out['heatmaps'][:17], out['heatmaps'][17:])
    assert same == falls_back


def test_single_person_image_repeats_primary_target():
    rng = np.random.default_rng(3)
    primary = rng.uniform(5, 40, size=(17, 2))
    out = GenerateMultiInstanceTarget(CODEC).transform(_results(primary, primary))
    np.testing.assert_array_equal(out['heatmaps'][:17], out['heatmaps'][17:])


def test_half_body_box_comes_from_the_primary_only():
    rng = np.random.default_rng(4)
    keypoints = rng.uniform(0, 100, size=(2, 17, 2)).astype(np.float32)
    results = dict(keypoints=keypoints.copy(), keypoints_visible=np.ones((2, 17), dtype=np.float32),
                   bbox_center=np.array([[50., 50.]], dtype=np.float32), bbox_scale=np.array([[100., 100.]]),
                   upper_body_ids=list(range(11)), lower_body_ids=list(range(11, 17)))
    out = PrimaryRandomHalfBody(prob=1.0).transform(results)
    assert out['bbox_center'].shape == (1, 2)
    assert out['keypoints'].shape == (2, 17, 2)
    np.testing.assert_array_equal(out['keypoints'], keypoints)


@pytest.mark.parametrize('sigma, input_size, heatmap_size, num', [
    (1, (48, 64), (12, 16), 2), (2, (192, 256), (48, 64), 3), (3, (288, 384), (72, 96), 2)])
def test_cached_gaussian_equals_the_codec_per_instance(sigma, input_size, heatmap_size, num):
    """The cached-patch targets equal MSRAHeatmap.encode of each instance exactly (bit for bit), for joints inside,
    across the border, far outside (weight 0) and invisible."""
    from mmpose_ext.datasets.transforms.multi_instance_target import _msra_gaussian, msra_heatmaps_per_instance
    codec = MSRAHeatmap(input_size=input_size, heatmap_size=heatmap_size, sigma=sigma)
    rng = np.random.default_rng(sigma)
    width, height = input_size
    for _ in range(20):
        keypoints = rng.uniform([-0.3 * width, -0.3 * height], [1.3 * width, 1.3 * height],
                                size=(num, 17, 2)).astype(np.float32)
        visible = (rng.uniform(size=(num, 17)) > 0.2).astype(np.float32)
        heatmaps, weights = msra_heatmaps_per_instance(codec, keypoints, visible, *_msra_gaussian(sigma))
        encoded = [codec.encode(keypoints[n:n + 1], visible[n:n + 1]) for n in range(num)]
        expected = np.concatenate([e['heatmaps'] for e in encoded])
        assert heatmaps.dtype == expected.dtype and np.array_equal(heatmaps, expected)
        expected_weights = np.concatenate([e['keypoint_weights'] for e in encoded], axis=1)
        assert weights.dtype == expected_weights.dtype and np.array_equal(weights, expected_weights)
        assert (weights == 0).sum() > (visible == 0).sum()  # some visible joints fell off the heatmap


def test_transform_output_is_the_same_with_and_without_the_cache():
    rng = np.random.default_rng(3)
    for _ in range(10):
        primary, secondary = rng.uniform(-10, 60, size=(2, 17, 2))
        cached = GenerateMultiInstanceTarget(CODEC).transform(_results(primary, secondary))
        per_instance = GenerateMultiInstanceTarget(CODEC, cached_gaussian=False).transform(
            _results(primary, secondary))
        assert GenerateMultiInstanceTarget(CODEC)._gaussian is not None
        for key in ('heatmaps', 'keypoint_weights', 'instance_keypoints', 'instance_keypoints_visible'):
            assert np.array_equal(cached[key], per_instance[key]), key
