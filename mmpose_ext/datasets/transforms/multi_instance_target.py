"""Heatmap targets for the N persons of a MIPNet training crop."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.codecs import MSRAHeatmap
from mmpose.registry import KEYPOINT_CODECS, TRANSFORMS


def _msra_gaussian(sigma: float) -> Tuple[np.ndarray, float]:
    """mmpose's ``generate_gaussian_heatmaps`` patch for one ``sigma`` and its radius, by the same expressions (the
    same float32 values): mmpose recomputes it for every keypoint."""
    radius = sigma * 3
    gaussian_size = 2 * radius + 1
    x = np.arange(0, gaussian_size, 1, dtype=np.float32)
    y = x[:, None]
    x0 = y0 = gaussian_size // 2
    return np.exp(-((x - x0)**2 + (y - y0)**2) / (2 * sigma**2)), radius


def msra_heatmaps_per_instance(encoder: MSRAHeatmap, keypoints: np.ndarray, visible: np.ndarray,
                               gaussian: np.ndarray, radius: float) -> Tuple[np.ndarray, np.ndarray]:
    """``encoder.encode`` of each instance on its own, stacked: heatmaps (N * K, H, W) and weights (1, N * K).

    Equal to calling mmpose's ``MSRAHeatmap.encode`` (``unbiased=False``) once per instance: the same centre
    rounding, bounds, clipping and weights; the Gaussian patch is computed once (``gaussian``, ``radius`` from
    :func:`_msra_gaussian`) and copied in, which equals mmpose's ``np.maximum`` into a zero channel.

    Args:
        encoder: the single-instance codec.
        keypoints: (N, K, 2) in input-image pixels.
        visible: (N, K) visibility.
        gaussian, radius: the codec's patch.
    """
    num, joints = visible.shape
    width, height = encoder.heatmap_size
    heatmaps = np.zeros((num * joints, height, width), dtype=np.float32)
    weights = visible.reshape(1, -1).copy()
    scaled = keypoints / encoder.scale_factor
    centres = (scaled + 0.5).astype(np.int64)
    for row in np.flatnonzero(visible.reshape(-1) >= 0.5):
        mu = centres[row // joints, row % joints]
        left, top = (mu - radius).astype(np.int64)
        right, bottom = (mu + radius + 1).astype(np.int64)
        if left >= width or top >= height or right < 0 or bottom < 0:
            weights[0, row] = 0
            continue
        heatmaps[row, max(0, top):min(height, bottom), max(0, left):min(width, right)] = gaussian[
            max(0, -top):min(height, bottom) - top, max(0, -left):min(width, right) - left]
    return heatmaps, weights


@TRANSFORMS.register_module()
class GenerateMultiInstanceTarget(BaseTransform):
    """Encode the N instances of a crop (from ``MultiInstanceDataset``) into one stacked target.

    After the crop's affine transform, joints outside the crop become invisible (for every instance, as in the
    reference). A secondary instance with fewer than ``min_visible`` visible joints left inside the crop (3 or
    fewer by default) is replaced by the primary, so its lambda is trained to return the box's own person.
    Each instance is encoded by ``encoder`` on its own; the heatmaps are stacked instance-major into ``N * K``
    channels and the keypoint weights into ``(1, N * K)``. Afterwards ``keypoints``/``keypoints_visible`` hold the
    primary person only, so the packed ground truth is the box's own person as for any top-down model; the N
    instances stay in ``instance_keypoints``/``instance_keypoints_visible``.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        encoder: a single-instance keypoint codec config (e.g. ``MSRAHeatmap``).
        min_visible: a secondary instance needs this many visible joints inside the crop to be its own target.
        cached_gaussian: for ``MSRAHeatmap`` (``unbiased=False``), draw all N * K heatmaps from one precomputed
            Gaussian patch (:func:`msra_heatmaps_per_instance`, equal to encoding each instance with the codec,
            about twice as fast per sample); False, or any other codec: the codec's ``encode`` per instance.
    """

    def __init__(self, encoder: dict, min_visible: int = 4, cached_gaussian: bool = True) -> None:
        super().__init__()
        self.encoder_cfg = encoder
        self.encoder = KEYPOINT_CODECS.build(encoder)
        self.min_visible = min_visible
        self.cached_gaussian = cached_gaussian
        self._gaussian = None
        if cached_gaussian and type(self.encoder) is MSRAHeatmap and not self.encoder.unbiased \
                and isinstance(self.encoder.sigma, (int, float)):
            self._gaussian = _msra_gaussian(self.encoder.sigma)

    def transform(self, results: Dict) -> Optional[Dict]:
        transformed = results.get('transformed_keypoints', None)
        keypoints = np.array(results['keypoints'] if transformed is None else transformed, dtype=np.float32)
        visible = np.asarray(results['keypoints_visible'], dtype=np.float32)
        if visible.ndim == 3:
            visible = visible[..., 0]
        if keypoints.ndim != 3 or visible.shape != keypoints.shape[:2]:
            raise ValueError(f'{type(self).__name__}: keypoints {keypoints.shape} and visibility {visible.shape} '
                             f'of {results.get("img_path")} (annotation id {results.get("id")}) do not match')
        width, height = results['input_size']
        inside = ((keypoints[..., 0] >= 0) & (keypoints[..., 0] < width) &
                  (keypoints[..., 1] >= 0) & (keypoints[..., 1] < height))
        visible = visible * inside
        for k in range(1, len(keypoints)):
            if (visible[k] > 0).sum() < self.min_visible:
                keypoints[k], visible[k] = keypoints[0], visible[0]

        if self._gaussian is not None:
            results['heatmaps'], results['keypoint_weights'] = msra_heatmaps_per_instance(
                self.encoder, keypoints, visible, *self._gaussian)
        else:
            heatmaps, weights = [], []
            for k in range(len(keypoints)):
                encoded = self.encoder.encode(keypoints=keypoints[k:k + 1], keypoints_visible=visible[k:k + 1])
                heatmaps.append(encoded['heatmaps'])
                weights.append(encoded['keypoint_weights'])
            results['heatmaps'] = np.concatenate(heatmaps)
            results['keypoint_weights'] = np.concatenate(weights, axis=1)
        results['instance_keypoints'] = keypoints
        results['instance_keypoints_visible'] = visible

        for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints'):
            if results.get(key, None) is not None:
                results[key] = results[key][:1]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(encoder={self.encoder_cfg}, min_visible={self.min_visible}, '
                f'cached_gaussian={self.cached_gaussian})')
