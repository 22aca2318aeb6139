"""Colour jitter as the stacked-hourglass code bases do it: every colour channel scaled by its own random factor."""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomChannelScale(BaseTransform):
    """Multiplies each channel of ``img`` by a factor drawn uniformly from ``scale_range`` (clipped to 0-255).

    mmpose's ``PhotometricDistortion`` always includes a random channel swap; this is the plain per-channel
    jitter of bearpaw/pytorch-pose and the unofficial Fast Pose Distillation port (``x U(0.8, 1.2)``).

    Used for the unlabeled images of `Fast Human Pose Estimation` (Zhang, Zhu and Ye, CVPR 2019).

    Required keys: ``img``. Modified keys: ``img`` (dtype kept).

    Args:
        scale_range: (low, high) of the per-channel factor.
        prob: probability of jittering an image at all.
    """

    def __init__(self, scale_range: Tuple[float, float] = (0.8, 1.2), prob: float = 1.0) -> None:
        low, high = scale_range
        if not 0.0 <= low <= high:
            raise ValueError(f'RandomChannelScale: scale_range must be (low, high) with 0 <= low <= high, '
                             f'got {scale_range}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'RandomChannelScale: prob must be in [0, 1], got {prob}')
        self.scale_range = (float(low), float(high))
        self.prob = prob

    @cache_randomness
    def _factors(self, channels: int) -> np.ndarray:
        if np.random.rand() >= self.prob:
            return np.ones(channels, dtype=np.float32)
        return np.random.uniform(*self.scale_range, size=channels).astype(np.float32)

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        factors = self._factors(img.shape[2] if img.ndim == 3 else 1)
        scaled = img.astype(np.float32) * (factors if img.ndim == 3 else factors[0])
        if np.issubdtype(img.dtype, np.integer):
            scaled = np.clip(np.rint(scaled), 0, 255)
        results['img'] = scaled.astype(img.dtype)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale_range={self.scale_range}, prob={self.prob})'
