"""mmpose's MSRA heatmap decoding and heatmap PCK accuracy for a whole batch at once, on the heatmaps' device."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import torch
from mmpose.codecs import MSRAHeatmap
from torch import Tensor


def batched_msra_decode(heatmaps: Tensor, codec: object) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Keypoints and scores of every heatmap set of a batch, equal to mmpose's ``MSRAHeatmap.decode`` per sample.

    mmpose decodes one sample at a time in numpy (``BaseHead.decode``): the whole (B, K, H, W) heatmap tensor is
    copied to the host, then a Python loop runs the arg-max and the quarter-pixel shift of every keypoint. A
    multi-instance head has N times the rows of a plain head, so that host-side work grows N-fold. Here the
    arg-max, the maximum and the quarter-pixel shift (``refine_keypoints``, including its border rules: x is
    shifted only for ``1 < x < W - 1`` and ``y > 0``, y only for ``1 < y < H - 1`` and ``x > 0``) run on the
    heatmaps' device in float32, and only (B, K, 3) numbers reach the host.

    Args:
        heatmaps: (B, K, H, W) heatmaps of any floating dtype (float16/bfloat16 under AMP are read as float32,
            as :mod:`mmpose_ext.utils.amp` makes mmpose's own path do).
        codec: the head's decoder.

    Returns:
        ``(keypoints (B, 1, K, 2), scores (B, 1, K))`` as float32 numpy arrays in input pixels, or ``None`` when
        ``codec`` is not a plain ``MSRAHeatmap`` (``unbiased=False``), so that the caller falls back to mmpose.
    """
    if type(codec) is not MSRAHeatmap or codec.unbiased:
        return None
    batch, joints, height, width = heatmaps.shape
    flat = heatmaps.detach().float().flatten(2)
    index = flat.argmax(dim=2, keepdim=True)  # the first maximum, as numpy's argmax
    scores = flat.gather(2, index).squeeze(2)
    x, y = index.squeeze(2) % width, torch.div(index.squeeze(2), width, rounding_mode='floor')
    valid = scores > 0

    def value_at(xs: Tensor, ys: Tensor) -> Tensor:
        return flat.gather(2, (ys.clamp(0, height - 1) * width + xs.clamp(0, width - 1)).unsqueeze(2)).squeeze(2)

    dx = torch.where(valid & (x > 1) & (x < width - 1) & (y > 0), value_at(x + 1, y) - value_at(x - 1, y), 0.0)
    dy = torch.where(valid & (y > 1) & (y < height - 1) & (x > 0), value_at(x, y + 1) - value_at(x, y - 1), 0.0)
    locs = torch.stack([x, y], dim=-1).float()
    locs = torch.where(valid.unsqueeze(-1), locs + torch.stack([dx, dy], dim=-1).sign() * 0.25, -1.0)
    host = torch.cat([locs, scores.unsqueeze(-1)], dim=-1).cpu().numpy()  # one transfer
    keypoints = (host[:, None, :, :2] * codec.scale_factor).astype(np.float32)
    return keypoints, np.ascontiguousarray(host[:, None, :, 2])


def _heatmap_maximum(heatmaps: Tensor) -> Tensor:
    """mmpose's ``get_heatmap_maximum`` locations (x, y) of (N, K, H, W) heatmaps: (N, K, 2) float32, -1 where the
    maximum is not positive."""
    width = heatmaps.shape[-1]
    flat = heatmaps.detach().float().flatten(2)
    index = flat.argmax(dim=2, keepdim=True)
    positive = flat.gather(2, index) > 0
    index = index.squeeze(2)
    locs = torch.stack([index % width, torch.div(index, width, rounding_mode='floor')], dim=-1).float()
    return torch.where(positive, locs, -1.0)


def heatmap_pck_accuracy(output: Tensor, target: Tensor, mask: Tensor, thr: float = 0.05) -> Tensor:
    """mmpose's ``pose_pck_accuracy(output, target, mask, thr)[1]`` (the training ``acc_pose``) on the device.

    mmpose computes it in numpy: both (N, K, H, W) heatmap sets are copied to the host and searched there, every
    training step; a multi-instance head has N times the rows. Here the arg-maxes run on the device and only the
    0-dim result is read by the logger. Same definition: the arg-max of each map (-1 if not positive), distances
    normalised by ``[H, W]`` (mmpose's order), per keypoint the fraction of masked-in samples closer than ``thr``,
    averaged over the keypoints that have any.

    Args:
        output: predicted heatmaps (N, K, H, W).
        target: target heatmaps (N, K, H, W).
        mask: (N, K) booleans (or weights, > 0 counts).
        thr: PCK threshold.

    Returns:
        A 0-dim float64 tensor on the heatmaps' device.
    """
    height, width = output.shape[-2:]
    offset = (_heatmap_maximum(output) - _heatmap_maximum(target)).double()
    norm = torch.tensor([height, width], dtype=torch.float64, device=output.device)
    distances = torch.linalg.vector_norm(offset / norm, dim=-1).float()  # float32, as mmpose stores them
    return _pck_of_distances(distances, mask, thr)


def coordinate_pck_accuracy(pred: Tensor, gt: Tensor, mask: Tensor, thr: float = 0.05) -> Tensor:
    """mmpose's ``keypoint_pck_accuracy(pred, gt, mask, thr, norm_factor=ones)[1]`` on the device: the training
    ``acc_pose`` of coordinate heads (PoseFix), without copying the coordinates to the host every step.

    Args:
        pred: predicted coordinates (N, K, 2), already normalised (e.g. by the heatmap size).
        gt: target coordinates (N, K, 2), normalised alike.
        mask: (N, K) booleans (or weights, > 0 counts).
        thr: PCK threshold.

    Returns:
        A 0-dim float64 tensor on ``pred``'s device.
    """
    distances = torch.linalg.vector_norm(pred.float() - gt.to(device=pred.device, dtype=torch.float32), dim=-1)
    return _pck_of_distances(distances, mask, thr)


def _pck_of_distances(distances: Tensor, mask: Tensor, thr: float) -> Tensor:
    """Per keypoint the fraction of masked-in samples closer than ``thr``, averaged over the keypoints that have
    any (mmpose's ``_distance_acc`` and the mean of the valid ones); 0 when none has."""
    mask = mask.to(device=distances.device) > 0
    counted = mask.sum(dim=0)
    per_keypoint = ((distances < thr) & mask).sum(dim=0).double() / counted.clamp(min=1)
    has_samples = counted > 0
    return (per_keypoint * has_samples).sum() / has_samples.sum().clamp(min=1)
