"""Oracle outputs for bottom-up associative embedding: ground-truth heatmaps and/or tags in place of the network's,
so that the test path (flip, aggregation, grouping, inverse transform, metric) can be checked alone, and so that
validation can tell which half of a model limits its AP (``model.test_cfg.oracle``).
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

ORACLE_MODES = ('heatmaps', 'tags', 'both')


def gt_keypoints_on_input(data_sample) -> Tuple[np.ndarray, np.ndarray]:
    """Ground-truth joints of a test sample in input pixels (the inverse of the estimator's output transform).

    Args:
        data_sample: a packed sample with ``gt_instances.keypoints`` (original image pixels),
            ``gt_instances.keypoints_visible`` and the ``input_size``/``input_center``/``input_scale`` metainfo.

    Returns:
        tuple: keypoints (N, K, 2) float32 and visibility (N, K) bool.
    """
    gt = data_sample.gt_instances
    keypoints = np.asarray(gt.keypoints, np.float32)[..., :2]
    visible = np.asarray(gt.keypoints_visible, np.float32)
    if visible.ndim == 3:
        visible = visible[..., 0]
    meta = data_sample.metainfo
    size = np.asarray(meta['input_size'], np.float32)
    center = np.asarray(meta['input_center'], np.float32)
    scale = np.asarray(meta['input_scale'], np.float32)
    return (keypoints - center + 0.5 * scale) / scale * size, visible > 0


def oracle_maps(data_samples: Sequence, map_size: Tuple[int, int], input_shape: Tuple[int, int],
                flip_indices: Optional[Sequence[int]] = None, sigma: float = 2.0, tag_spacing: float = 2.0,
                device: Optional[torch.device] = None) -> Tuple[Tensor, Tensor]:
    """Perfect heatmaps and tags of a batch at one output resolution.

    Each visible joint is placed at ``int(x / stride)`` as the training targets place it (stride = input / map)
    with a Gaussian of ``sigma`` map pixels (persons merged by max); person ``n`` has tag ``n * tag_spacing``
    (plus a distinct offset below 0.3 per pixel), and every pixel of joint k's tag map holds the tag of the
    nearest visible joint k (so any detection is grouped with the true person it is closest to). With ``flip_indices`` the maps are those of the horizontally
    flipped (padded) input, as the flip test sees it.

    Args:
        data_samples: packed test samples with ground truth (see :func:`gt_keypoints_on_input`).
        map_size: (h, w) of the output.
        input_shape: (H, W) of the padded input batch.
        flip_indices: the dataset's flip pairs, for the flipped view; None for the original view.
        sigma: Gaussian sigma in map pixels.
        tag_spacing: tag distance between persons (the decoder joins tags closer than 1).
        device: where the maps are made.

    Returns:
        tuple: heatmaps (B, K, h, w) and tags (B, K, h, w), float32.
    """
    h, w = map_size
    H, W = input_shape
    stride = torch.tensor([W / w, H / h])
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                            indexing='ij')
    # distinct values per pixel (below 0.3): the decoder keys groups by tag value, and equal tags at two candidates
    # of one person would share a key and overwrite each other's joints instead of opening a group each
    jitter = torch.arange(h * w, dtype=torch.float32).view(h, w) * (0.3 / (h * w))
    heat_list: List[Tensor] = []
    tag_list: List[Tensor] = []
    for sample in data_samples:
        kpts, vis = gt_keypoints_on_input(sample)
        kpts, vis = torch.from_numpy(kpts), torch.from_numpy(vis)
        N, K = vis.shape
        if flip_indices is not None:
            kpts = kpts[:, list(flip_indices)].clone()
            vis = vis[:, list(flip_indices)]
            kpts[..., 0] = W - 1 - kpts[..., 0]
        pos = torch.floor(kpts / stride)
        vis = vis & (pos[..., 0] >= 0) & (pos[..., 1] >= 0) & (pos[..., 0] < w) & (pos[..., 1] < h)
        heat = torch.zeros(K, h, w)
        tags = torch.zeros(K, h, w)
        for k in range(K):
            p = pos[vis[:, k], k]
            if len(p) == 0:
                continue
            d2 = (xx[None] - p[:, 0, None, None]) ** 2 + (yy[None] - p[:, 1, None, None]) ** 2
            heat[k] = torch.exp(-d2 / (2 * sigma ** 2)).amax(dim=0)
            person = torch.arange(N, dtype=torch.float32)[vis[:, k]]
            tags[k] = person[d2.argmin(dim=0)] * tag_spacing + jitter
        heat_list.append(heat)
        tag_list.append(tags)
    return torch.stack(heat_list).to(device), torch.stack(tag_list).to(device)


def apply_oracle(outputs: List[Tensor], mode: str, num_keypoints: int, tag_dim: int, with_ae: Sequence[bool],
                 data_samples: Sequence, input_shape: Tuple[int, int],
                 flip_indices: Optional[Sequence[int]] = None) -> List[Tensor]:
    """The head's raw outputs (one per level) with ground-truth heatmaps and/or tags in place of the network's.

    Args:
        outputs: raw head outputs, K heatmaps then K * L tag maps where ``with_ae[i]``.
        mode: ``'heatmaps'`` (ground-truth heatmaps, predicted tags), ``'tags'`` (predicted heatmaps,
            ground-truth tags: grouping by the true person) or ``'both'``.
        num_keypoints: K.
        tag_dim: L (every tag dimension gets the same tag).
        with_ae: per output, whether it carries tags.
        data_samples: packed test samples with ground truth.
        input_shape: (H, W) of the padded input batch.
        flip_indices: for the flipped view (see :func:`oracle_maps`).

    Returns:
        list: outputs of the same shapes.
    """
    if mode not in ORACLE_MODES:
        raise ValueError(f'test_cfg.oracle must be one of {ORACLE_MODES}, got {mode!r}')
    k = num_keypoints
    new = []
    for i, out in enumerate(outputs):
        heat, tags = oracle_maps(data_samples, tuple(out.shape[-2:]), input_shape, flip_indices, device=out.device)
        out = out.clone()
        if mode in ('heatmaps', 'both'):
            out[:, :k] = heat.to(out.dtype)
        if mode in ('tags', 'both') and with_ae[i] and out.shape[1] == k + k * tag_dim:
            out[:, k:] = tags.repeat(1, tag_dim, 1, 1).to(out.dtype)
        new.append(out)
    return new
