"""Heatmap targets for the N persons of a MIPNet training crop."""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import KEYPOINT_CODECS, TRANSFORMS


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
    """

    def __init__(self, encoder: dict, min_visible: int = 4) -> None:
        super().__init__()
        self.encoder_cfg = encoder
        self.encoder = KEYPOINT_CODECS.build(encoder)
        self.min_visible = min_visible

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
        return f'{type(self).__name__}(encoder={self.encoder_cfg}, min_visible={self.min_visible})'
