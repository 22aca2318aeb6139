"""RandomChannelScale: each colour channel scaled by its own factor from the range, clipped to 0-255, dtype kept."""
from __future__ import annotations

import numpy as np
import pytest

from mmpose_ext.datasets.transforms import RandomChannelScale


def test_each_channel_gets_its_own_factor_in_range():
    np.random.seed(0)
    img = np.full((4, 5, 3), 100, dtype=np.uint8)
    out = RandomChannelScale(scale_range=(0.8, 1.2))(dict(img=img.copy()))['img']
    assert out.dtype == np.uint8 and out.shape == img.shape
    per_channel = out.reshape(-1, 3)
    assert (per_channel == per_channel[0]).all()  # one factor per channel, the same over the image
    factors = per_channel[0] / 100
    assert ((factors >= 0.8) & (factors <= 1.2)).all() and len(set(per_channel[0])) > 1


def test_clipped_to_the_byte_range_and_float_images_kept_float():
    np.random.seed(1)
    bright = RandomChannelScale(scale_range=(2.0, 2.0))(dict(img=np.full((2, 2, 3), 200, np.uint8)))['img']
    assert (bright == 255).all()
    img = np.full((2, 2, 3), 10.0, dtype=np.float32)
    out = RandomChannelScale(scale_range=(0.5, 0.5))(dict(img=img))['img']
    assert out.dtype == np.float32 and np.allclose(out, 5.0)


def test_prob_zero_leaves_the_image_and_bad_arguments_are_refused():
    img = np.arange(27, dtype=np.uint8).reshape(3, 3, 3)
    assert np.array_equal(RandomChannelScale(prob=0.0)(dict(img=img.copy()))['img'], img)
    with pytest.raises(ValueError, match='scale_range'):
        RandomChannelScale(scale_range=(1.2, 0.8))
    with pytest.raises(ValueError, match='prob'):
        RandomChannelScale(prob=1.5)
