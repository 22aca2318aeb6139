"""Device-side parts of associative-embedding decoding: candidate refinement, joint tags and the filling of missing
joints run as torch ops where the maps are, so only candidates and per-joint results cross to the host.

Each function reproduces mmpose's NumPy computation (``refine_keypoints``, ``_fill_missing_keypoints``) with the
same float32 operations in the same order and the same first-index tie-breaking, so the poses are identical.
"""
import time
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from mmpose_ext.utils.device import synchronize

from .float32_mean import numpy_float32_mean


class StageTimer:
    """Accumulates wall time per stage (``'device'``, ``'host'``) into ``totals`` in milliseconds.

    Each lap waits for the device first (accelerators only), so the time of asynchronous kernels lands in the stage that
    queued them. With ``totals=None`` nothing is measured and nothing is synchronised.

    Args:
        totals (dict, optional): where the milliseconds are added, per stage name.
        device (torch.device, optional): device of the maps (synchronised at each lap unless the CPU).
    """

    def __init__(self, totals: Optional[Dict[str, float]], device: Optional[torch.device] = None) -> None:
        self.totals = totals
        self.device = device if device is not None and device.type != 'cpu' else None
        self.start = time.perf_counter() if totals is not None else 0.0

    def lap(self, stage: str) -> None:
        """Adds the time since the previous lap to ``stage``."""
        if self.totals is None:
            return
        if self.device is not None:
            synchronize(self.device)
        now = time.perf_counter()
        self.totals[stage] = self.totals.get(stage, 0.0) + (now - self.start) * 1e3
        self.start = now


def block_elements(device: torch.device) -> int:
    """Elements of the temporary blocks: about 1 MB on a CPU, where fresh large buffers cost a page fault per 4 kB
    (a 10 M-element subtraction measured 75 ms fresh, 3 ms in warm memory), 64 MB on an accelerator."""
    return 1 << 18 if device.type == 'cpu' else 1 << 24


def window_max(maps: Tensor, kernel: int) -> Tensor:
    """``F.max_pool2d(maps, kernel, stride=1, padding=kernel // 2)`` (odd kernel), as maxima of shifted views:
    rows, then columns, with -inf padding. The maximum is exact, so the result is identical; on a CPU it ran
    about 10x faster than ``max_pool2d`` on 512x512 maps (one thread)."""
    p = (kernel - 1) // 2
    H, W = maps.shape[-2:]
    x = F.pad(maps, (p, p, 0, 0), value=float('-inf'))
    out = x[..., :W]
    for i in range(1, kernel):
        out = torch.maximum(out, x[..., i:i + W])
    y = F.pad(out, (0, 0, p, p), value=float('-inf'))
    out = y[..., :H, :]
    for i in range(1, kernel):
        out = torch.maximum(out, y[..., i:i + H, :])
    return out


def nms_topk(heatmaps: Tensor, tags: Tensor, kernel: int, k: int, max_elements: Optional[int] = None
             ) -> Tuple[Tensor, Tensor, Tensor]:
    """mmpose's ``batch_heatmap_nms`` followed by ``AssociativeEmbedding._get_batch_topk``, in blocks of maps.

    The same operations per map (max-pool of ``kernel`` as :func:`window_max`, keep the maxima, top-k of the
    flattened map, tags gathered at the top-k positions), so the same candidates; the maps are taken a block of
    at most ``max_elements`` values at a time instead of all at once.

    Args:
        heatmaps (Tensor): (B, K, H, W).
        tags (Tensor): (B, L*K, H, W).
        kernel (int): odd max-pool size.
        k (int): candidates per map.
        max_elements (int, optional): block size (default: :func:`block_elements`).

    Returns:
        tuple: values (B, K, k), tags (B, K, k, L) and integer positions (x, y) (B, K, k, 2).
    """
    B, K, H, W = heatmaps.shape
    L = tags.shape[1] // K
    rows = heatmaps.reshape(B * K, 1, H, W)
    step = max(1, (max_elements or block_elements(heatmaps.device)) // (H * W))
    vals = heatmaps.new_empty(B * K, k)
    idx = torch.empty(B * K, k, dtype=torch.long, device=heatmaps.device)
    for start in range(0, B * K, step):
        block = rows[start:start + step]
        peaks = block * torch.eq(block, window_max(block, kernel)).float()
        vals[start:start + step], idx[start:start + step] = peaks[:, 0].flatten(-2).topk(k, dim=-1)
    vals, idx = vals.view(B, K, k), idx.view(B, K, k)
    tag_rows = tags.reshape(B, L, K, H * W)
    cand_tags = torch.stack([tag_rows[:, l].gather(2, idx) for l in range(L)], dim=-1)
    return vals, cand_tags, torch.stack([idx % W, idx // W], dim=-1)


def refine_candidates(heatmaps: Tensor, locs: Tensor) -> Tensor:
    """Quarter-pixel refinement of every top-k candidate on the device (``refine_keypoints`` of mmpose).

    A grouped joint is always one of the candidates, so refining the candidates before grouping gives the
    refined poses without the heatmaps on the host. Same rules as mmpose: x moves by 0.25 toward the higher
    horizontal neighbour when ``1 < x < W - 1`` and ``0 < y < H`` (y likewise, transposed), in float32.

    Args:
        heatmaps (Tensor): (B, K, H, W) float32.
        locs (Tensor): (B, K, M, 2) integer candidate positions (x, y) inside the maps.

    Returns:
        Tensor: (B, K, M, 2) float32 refined positions.
    """
    B, K, H, W = heatmaps.shape
    flat = heatmaps.flatten(2)
    x, y = locs[..., 0], locs[..., 1]

    def at(yy: Tensor, xx: Tensor) -> Tensor:
        return flat.gather(2, yy * W + xx)

    ok_x = (1 < x) & (x < W - 1) & (0 < y) & (y < H)
    ok_y = (1 < y) & (y < H - 1) & (0 < x) & (x < W)
    xs, ys = x.clamp(1, max(W - 2, 1)), y.clamp(1, max(H - 2, 1))
    xc, yc = x.clamp(0, W - 1), y.clamp(0, H - 1)
    zero = heatmaps.new_zeros(())
    dx = torch.where(ok_x, at(yc, (xs + 1).clamp(max=W - 1)) - at(yc, (xs - 1).clamp(min=0)), zero)
    dy = torch.where(ok_y, at((ys + 1).clamp(max=H - 1), xc) - at((ys - 1).clamp(min=0), xc), zero)
    return locs.float() + torch.stack((dx, dy), dim=-1).sign() * 0.25


def gather_joint_tags(tags: Tensor, keypoints: np.ndarray) -> np.ndarray:
    """Tags at every joint of every instance (position truncated and clipped, as mmpose), to the host.

    Args:
        tags (Tensor): (L*K, H, W), tag l of joint k in channel l*K + k.
        keypoints (np.ndarray): (N, K, 2) positions on the maps.

    Returns:
        np.ndarray: float32 (N, K, L).
    """
    N, K = keypoints.shape[:2]
    H, W = tags.shape[1:]
    xy = keypoints[..., :2].astype(np.int64)
    x, y = np.clip(xy[..., 0], 0, W - 1), np.clip(xy[..., 1], 0, H - 1)
    pos = torch.from_numpy(y * W + x).to(tags.device)
    joint = torch.arange(K, device=tags.device).expand(N, K)
    tag_flat = tags.reshape(-1, K, H * W)
    return tag_flat[:, joint, pos].permute(1, 2, 0).float().cpu().numpy()


def fill_missing_keypoints_device(keypoints: np.ndarray, keypoint_scores: np.ndarray, heatmaps: Tensor,
                                  tags: Tensor, max_elements: Optional[int] = None, timer: Optional[StageTimer] = None
                                  ) -> Tuple[np.ndarray, np.ndarray]:
    """``AssociativeEmbedding._fill_missing_keypoints`` of mmpose with the cost maps on the maps' device. In place.

    An instance's tag is the float32 mean (NumPy's summation order, on the host: a few numbers) of the tags at
    its detected joints (score > 0); each missing joint goes to the first pixel (row-major) of minimum
    ``round(||tag map - instance tag||) * 100 - heatmap``, computed with mmpose's float32 operations
    (``np.linalg.norm``: squares added channel after channel, then ``sqrt``). All missing joints are evaluated
    at once, in chunks of at most ``max_elements`` cost values; only the chosen pixels and values come back.

    Args:
        keypoints (np.ndarray): (N, K, 2) refined keypoints on the maps, missing ones anywhere.
        keypoint_scores (np.ndarray): (N, K), 0 for missing joints.
        heatmaps (Tensor): (K, H, W) float32.
        tags (Tensor): (L*K, H, W) float32, tag l of joint k in channel l*K + k.
        max_elements (int, optional): largest cost block evaluated at once (default: :func:`block_elements`).
        timer (StageTimer, optional): splits the time into host and device stages.

    Returns:
        tuple: keypoints and keypoint_scores with the missing joints filled.
    """
    N, K = keypoints.shape[:2]
    H, W = heatmaps.shape[1:]
    L = tags.shape[0] // K
    detected = keypoint_scores > 0
    pn, pk = np.nonzero(~detected)
    if N == 0 or len(pn) == 0:
        return keypoints, keypoint_scores
    timer = timer or StageTimer(None)
    timer.lap('host')
    at_joints = gather_joint_tags(tags, keypoints)
    timer.lap('device')
    first = np.argsort(~detected, axis=1, kind='stable')  # detected joints first, in joint order
    instance_tags = numpy_float32_mean(np.take_along_axis(at_joints, first[..., None], axis=1),
                                       detected.sum(axis=1))
    timer.lap('host')
    device = heatmaps.device
    tag_flat = tags.reshape(L, K, H * W)
    heat_flat = heatmaps.reshape(K, H * W)
    joint = torch.from_numpy(pk).to(device)
    target = torch.from_numpy(np.ascontiguousarray(instance_tags[pn])).to(device)
    best = torch.empty(len(pn), dtype=torch.long, device=device)
    chunk = max(1, (max_elements or block_elements(device)) // (H * W))
    cost = heatmaps.new_empty(min(chunk, len(pn)), H * W)  # two buffers reused for every block: no fresh memory
    part = torch.empty_like(cost)
    for start in range(0, len(pn), chunk):
        k, t = joint[start:start + chunk], target[start:start + chunk]
        c = len(k)
        squares, buf = cost[:c], part[:c]
        torch.index_select(tag_flat[0], 0, k, out=squares)
        squares.sub_(t[:, :1]).mul_(squares)  # (tag - instance tag) ** 2 as diff * diff
        for l in range(1, L):
            torch.index_select(tag_flat[l], 0, k, out=buf)
            squares.add_(buf.sub_(t[:, l:l + 1]).mul_(buf))  # channel after channel, as np.linalg.norm
        torch.index_select(heat_flat, 0, k, out=buf)
        squares.sqrt_().round_().mul_(100).sub_(buf)  # round(distance) * 100 - heatmap
        best[start:start + c] = squares.argmin(dim=1)
    values = heat_flat[joint, best]
    best, values = best.cpu().numpy(), values.cpu().numpy()
    timer.lap('device')
    yy, xx = np.divmod(best, W)
    keypoints[pn, pk, 0] = xx
    keypoints[pn, pk, 1] = yy
    keypoint_scores[pn, pk] = values
    return keypoints, keypoint_scores
