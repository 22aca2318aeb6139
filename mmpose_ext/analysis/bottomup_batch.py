"""Random bottom-up batches (images, multi-level targets, masks, tag indices) for benchmarks and config tests."""
from __future__ import annotations

from typing import Any, Dict, Sequence

import numpy as np
from mmpose.codecs import AssociativeEmbedding
from mmpose.datasets.transforms import PackPoseInputs

from mmpose_ext.datasets.transforms import GenerateHigherHRNetTargets, HigherHRNetHeatmapMask


def is_bottomup_head(head_cfg: dict) -> bool:
    """Whether a head config is a :class:`HigherHRNetHead` (given as class or registry name)."""
    head_type = head_cfg.get('type')
    name = head_type if isinstance(head_type, str) else getattr(head_type, '__name__', '')
    return name == 'HigherHRNetHead'


def fake_bottomup_batch(head_cfg: dict, batch_size: int, input_size: Sequence[int], persons: int = 4,
                        seed: int = 0) -> Dict[str, Any]:
    """A batch as the bottom-up data pipeline packs it, through the real target transforms.

    Args:
        head_cfg: the ``HigherHRNetHead`` config (number of keypoints and of outputs).
        batch_size: images.
        input_size: (w, h).
        persons: persons per image (random joints, 70% labelled).
        seed: random seed of the images and keypoints.
    """
    rng = np.random.default_rng(seed)
    w, h = input_size
    k = head_cfg.get('num_keypoints', 17)
    levels = head_cfg.get('num_deconvs', 1) + 1
    encoders = [dict(type=AssociativeEmbedding, input_size=(w, h), heatmap_size=(w // 4 * 2**i, h // 4 * 2**i),
                     sigma=2) for i in range(levels)]
    targets = GenerateHigherHRNetTargets(encoder=encoders)
    inputs, samples = [], []
    for _ in range(batch_size):
        img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
        results = dict(img=img, img_shape=(h, w), ori_shape=(h, w), input_size=(w, h),
                       input_center=np.array([w / 2, h / 2], np.float32), input_scale=np.array([w, h], np.float32),
                       keypoints=rng.uniform(0, min(w, h), (persons, k, 2)).astype(np.float32),
                       keypoints_visible=(rng.random((persons, k)) > 0.3).astype(np.float32),
                       flip_indices=list(range(k)), invalid_segs=[], warp_mat=np.eye(2, 3, dtype=np.float32))
        packed = PackPoseInputs()(HigherHRNetHeatmapMask()(targets(results)))
        inputs.append(packed['inputs'])
        samples.append(packed['data_samples'])
    return dict(inputs=inputs, data_samples=samples)

