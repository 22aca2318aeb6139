"""Associative-embedding decoding without per-joint Python Munkres: same poses as mmpose's codec, much faster."""
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmpose.codecs import AssociativeEmbedding
from mmpose.codecs.utils import refine_keypoints_dark_udp
from mmpose.registry import KEYPOINT_CODECS
from mmpose.utils.tensor_utils import to_numpy
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from .ae_device_ops import StageTimer, fill_missing_keypoints_device, nms_topk, refine_candidates
from .float32_mean import numpy_float32_mean

__all__ = ['FastAssociativeEmbedding', 'group_keypoints_by_tags', 'numpy_float32_mean',
           'refine_keypoints_vectorised']

# mmpose pads the cost matrix with this value when there are more candidates than groups (as the reference does)
_PAD_COST = 1e10


class _Groups:
    """Growing set of groups (persons) keyed like mmpose: by the first tag value of the joint that opened it.

    mmpose keeps each group's list of tags and takes ``np.mean`` of it for every joint; here the float32 sum is
    kept up to date in the order NumPy would add the list (see :func:`numpy_float32_mean`): one running sum,
    and for L == 1 from 8 tags on, eight lane sums over whole blocks of eight plus a running tail.
    """

    def __init__(self, capacity: int, num_keypoints: int, tag_dim: int, joint_dim: int) -> None:
        self.joints = np.zeros((capacity, num_keypoints, joint_dim), np.float32)
        self.tags = np.zeros((capacity, num_keypoints, tag_dim), np.float32)  # appended tags, in order
        self.counts = np.zeros(capacity, np.int64)
        self.sums = np.zeros((capacity, tag_dim), np.float32)
        self.lanes = np.zeros((capacity, 8), np.float32) if tag_dim == 1 else None
        self.index: Dict[float, int] = {}
        self.size = 0

    def means(self) -> np.ndarray:
        n = self.size
        return self.sums[:n] / self.counts[:n, None].astype(np.float32)

    def _append(self, g: np.ndarray, tag: np.ndarray) -> None:
        """Appends tag[i] to group g[i] (distinct groups) and updates the sums as NumPy's mean would add."""
        c = self.counts[g]
        self.tags[g, c] = tag
        c = c + 1
        self.counts[g] = c
        sums = self.sums[g] + tag
        if self.lanes is not None:
            full = (c >= 8) & (c % 8 == 0)
            if full.any():
                gf, cf = g[full], c[full]
                block = self.tags[gf[:, None], cf[:, None] - 8 + np.arange(8), 0]
                lanes = np.where((cf > 8)[:, None], self.lanes[gf] + block, block)
                self.lanes[gf] = lanes
                sums[full, 0] = ((lanes[:, 0] + lanes[:, 1]) + (lanes[:, 2] + lanes[:, 3])) + \
                                ((lanes[:, 4] + lanes[:, 5]) + (lanes[:, 6] + lanes[:, 7]))
        self.sums[g] = sums

    def _reset(self, g: int, idx: int, joint: np.ndarray, tag: np.ndarray) -> None:
        self.joints[g, idx] = joint
        self.counts[g] = 0
        self.sums[g] = 0
        self._append(np.array([g]), tag[None])

    def open(self, key: float, idx: int, joint: np.ndarray, tag: np.ndarray) -> None:
        """``joint_dict.setdefault(key, zeros)[idx] = joint; tag_dict[key] = [tag]`` of mmpose."""
        g = self.index.get(key)
        if g is None:
            g = self.index[key] = self.size
            self.size += 1
        self._reset(g, idx, joint, tag)

    def add(self, g: np.ndarray, idx: int, joints: np.ndarray, tags: np.ndarray) -> None:
        """Joins joint ``idx`` of rows to distinct existing groups ``g``."""
        self.joints[g, idx] = joints
        self._append(g, tags)

    def open_many(self, keys: List[float], idx: int, joints: np.ndarray, tags: np.ndarray) -> bool:
        """Opens one group per row when no key is taken (and returns True); otherwise does nothing."""
        if len(set(keys)) != len(keys) or not self.index.keys().isdisjoint(keys):
            return False
        new = np.arange(self.size, self.size + len(keys))
        self.index.update(zip(keys, new.tolist()))
        self.size += len(keys)
        self.joints[new, idx] = joints
        self._append(new, tags)
        return True


def group_keypoints_by_tags(vals: np.ndarray, tags: np.ndarray, locs: np.ndarray, keypoint_order: List[int],
                            val_thr: float, tag_thr: float = 1.0, max_groups: Optional[int] = None,
                            solver=None) -> np.ndarray:
    """Same contract and rules as ``mmpose.codecs.associative_embedding._group_keypoints_by_tags``.

    Joints are taken in ``keypoint_order``; candidates above ``val_thr`` are matched to the existing groups with
    the cost ``round(L2 tag distance) * 100 - value`` (padded with 1e10 columns when there are more candidates
    than groups), a match is kept only if the distance is below ``tag_thr``, every other candidate opens a group.
    Groups are keyed by the first tag value of their opening joint, as in mmpose and the reference, so two
    candidates with the same first tag value share a group. The assignment is solved by ``solver``
    (default: ``scipy.optimize.linear_sum_assignment``) instead of the pure-Python ``munkres`` package; costs,
    means and thresholds are computed in the same precision and order as mmpose.

    Args:
        vals (np.ndarray): (K, M) candidate values.
        tags (np.ndarray): (K, M, L) candidate tags.
        locs (np.ndarray): (K, M, D) candidate locations.
        keypoint_order (List[int]): grouping order of the K joints.
        val_thr (float): candidates at or below it are ignored.
        tag_thr (float): largest tag distance (exclusive) for joining a group.
        max_groups (int, optional): keep the first ``max_groups`` groups.
        solver (callable, optional): ``cost (n, m), n <= m -> (rows, cols)``, every row once, in row order.

    Returns:
        np.ndarray: float32 (G, K, D + 1): x, y, value (zeros for joints a group lacks).
    """
    K, M, D = locs.shape
    L = tags.shape[2]
    assert vals.shape == tags.shape[:2] == (K, M)
    assert len(keypoint_order) == K
    solver = solver or linear_sum_assignment
    groups = _Groups(K * M, K, L, D + 1)
    tags = tags.astype(np.float32)
    tags64 = tags.astype(np.float64)
    vals64 = vals.astype(np.float64)  # mmpose compares and costs the float64 copy of the values
    above = vals64 > val_thr
    count = above.sum(axis=1)
    prefix = bool((above == (np.arange(M) < count[:, None])).all())  # top-k values come sorted
    joints_all = np.concatenate((locs.astype(np.float32), vals.astype(np.float32)[..., None]), axis=2)
    for idx in keypoint_order:
        n = int(count[idx])
        if n == 0:
            continue
        sel = slice(0, n) if prefix else above[idx]
        tag, joint = tags[idx, sel], joints_all[idx, sel]
        if groups.size == 0:
            if not groups.open_many(tag[:, 0].tolist(), idx, joint, tag):
                for row in range(n):
                    groups.open(float(tag[row, 0]), idx, joint[row], tag[row])
            continue
        num_grouped = groups.size
        diff = tags64[idx, sel][:, None, :] - groups.means()[None].astype(np.float64)
        dist = np.sqrt((diff * diff).sum(axis=2))  # np.linalg.norm's own operations
        cost = np.round(dist) * 100 - vals64[idx, sel][:, None]
        if n > num_grouped:
            padded = np.full((n, n), _PAD_COST)
            padded[:, :num_grouped] = cost
            cost = padded
        rows, cols = solver(cost)
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        matched = cols < num_grouped
        matched[matched] = dist[rows[matched], cols[matched]] < tag_thr
        r_new = rows[~matched]
        new_keys = tag[r_new, 0].tolist()
        if len(set(new_keys)) == len(new_keys) and groups.index.keys().isdisjoint(new_keys):
            new = np.arange(groups.size, groups.size + len(new_keys))
            groups.index.update(zip(new_keys, new.tolist()))
            groups.size += len(new_keys)
            r_all = np.concatenate((rows[matched], r_new))
            groups.add(np.concatenate((cols[matched], new)), idx, joint[r_all], tag[r_all])
        else:  # a key collision: replay mmpose's row-by-row updates exactly
            for row, col, ok in zip(rows.tolist(), cols.tolist(), matched.tolist()):
                if ok:
                    groups.add(np.array([col]), idx, joint[row][None], tag[row][None])
                else:
                    groups.open(float(tag[row, 0]), idx, joint[row], tag[row])
    return groups.joints[:groups.size][:max_groups].copy()


def refine_keypoints_vectorised(keypoints: np.ndarray, heatmaps: np.ndarray) -> np.ndarray:
    """``mmpose.codecs.utils.refine_keypoints`` (quarter-pixel shift toward the higher neighbour) without the
    Python loop over instances and joints; same bounds (``1 < x < W - 1``, ``0 < y < H`` for x, and the
    transposed ones for y) and float32 arithmetic. In place, (N, K, D) with D == 2."""
    N, K = keypoints.shape[:2]
    H, W = heatmaps.shape[1:]
    if keypoints.size == 0:
        return keypoints
    xy = keypoints[..., :2].astype(int)
    x, y = xy[..., 0], xy[..., 1]
    k = np.broadcast_to(np.arange(K), (N, K))
    ok_x = (1 < x) & (x < W - 1) & (0 < y) & (y < H)
    ok_y = (1 < y) & (y < H - 1) & (0 < x) & (x < W)
    xs, ys = np.clip(x, 1, W - 2), np.clip(y, 1, H - 2)
    xc, yc = np.clip(x, 0, W - 1), np.clip(y, 0, H - 1)
    dx = np.where(ok_x, heatmaps[k, yc, np.minimum(xs + 1, W - 1)] - heatmaps[k, yc, np.maximum(xs - 1, 0)], 0)
    dy = np.where(ok_y, heatmaps[k, np.minimum(ys + 1, H - 1), xc] - heatmaps[k, np.maximum(ys - 1, 0), xc], 0)
    keypoints += np.sign(np.stack((dx, dy), axis=-1)).astype(np.float32) * np.float32(0.25)
    return keypoints


@KEYPOINT_CODECS.register_module()
class FastAssociativeEmbedding(AssociativeEmbedding):
    """Associative embedding decoding with the same poses as mmpose's codec, without per-joint Python Munkres.

    Implements the grouping of "Associative Embedding: End-to-End Learning for Joint Detection and Grouping"
    (Newell et al., NeurIPS 2017) as used by "HigherHRNet" (Cheng et al., CVPR 2020). A subclass of mmpose's
    :class:`~mmpose.codecs.AssociativeEmbedding` (encoding is inherited unchanged) so that it is a drop-in
    ``codec`` in configs: only the decoding is replaced, because there mmpose solves one assignment per joint
    with the pure-Python ``munkres`` package, loops in Python over instances and joints to refine and fill
    missing joints, and copies the whole maps to the host. Here the assignment is
    ``scipy.optimize.linear_sum_assignment`` on the same cost matrix; NMS, top-k, the refinement of the
    candidates and the fill's cost maps are torch ops where the maps are (:mod:`.ae_device_ops`), so only the
    candidates and per-joint results cross to the host (same float32 arithmetic, same first-index ties).

    The only possible difference from mmpose: when two assignments have exactly the same total cost (a genuine
    tie, e.g. one candidate whose rounded tag distances to two groups are equal and both below ``tag_thr``),
    Munkres and ``linear_sum_assignment`` may choose different ones; both are optimal for the reference's cost.

    ``batch_decode`` accepts tags either as mmpose lays them out, (B, L*K, H, W) with tag ``l`` of joint ``k``
    in channel ``l*K + k``, or as (B, K, H, W, L). Each image of a batch is decoded on its own, so a batch of
    images padded to a common size gives the same poses as decoding them one by one.

    Args:
        input_size (tuple): image size [w, h].
        heatmap_size (tuple): heatmap size [W, H].
        sigma (float, optional): Gaussian sigma of the encoded heatmaps (mmpose's default sqrt(W*H)/64).
        use_udp (bool): unbiased data processing; decoding then uses mmpose's (non-vectorised) DARK-UDP refine.
        decode_keypoint_order (List[int]): grouping order, e.g. [0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13,
            14, 15, 16] for COCO.
        decode_nms_kernel (int): max-pool NMS kernel. Defaults to 5.
        decode_gaussian_kernel (int): blur kernel of the UDP refine. Defaults to 3.
        decode_keypoint_thr (float): candidate threshold. Defaults to 0.1.
        decode_tag_thr (float): largest tag distance for joining a group. Defaults to 1.0.
        decode_topk (int): candidates per joint. Defaults to 30.
        decode_center_shift (float): shift added to detected joints after refinement. Defaults to 0.
        decode_max_instances (int, optional): keep the first N groups. Defaults to None (all).
    """

    def _solve_assignment(self, cost: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Minimum-cost assignment of every row of ``cost`` (rows <= columns)."""
        return linear_sum_assignment(cost)

    def _group_keypoints(self, batch_vals: np.ndarray, batch_tags: np.ndarray,
                         batch_locs: np.ndarray) -> List[np.ndarray]:
        return [
            group_keypoints_by_tags(vals, tags, locs, keypoint_order=self.decode_keypoint_order,
                                    val_thr=self.decode_keypoint_thr, tag_thr=self.decode_tag_thr,
                                    max_groups=self.decode_max_instances, solver=self._solve_assignment)
            for vals, tags, locs in zip(batch_vals, batch_tags, batch_locs)
        ]

    profile: Optional[Dict[str, float]] = None  # set to a dict to accumulate 'device'/'host' ms of batch_decode

    def _fill_missing_keypoints(self, keypoints: np.ndarray, keypoint_scores: np.ndarray,
                                heatmaps: Union[np.ndarray, Tensor], tags: Union[np.ndarray, Tensor]
                                ) -> Tuple[np.ndarray, np.ndarray]:
        """mmpose's filling of missing joints (score 0), with the cost maps where the maps are (a NumPy array is
        taken as a CPU tensor): see :func:`~mmpose_ext.codecs.ae_device_ops.fill_missing_keypoints_device`."""
        return fill_missing_keypoints_device(keypoints, keypoint_scores, torch.as_tensor(heatmaps),
                                             torch.as_tensor(tags))

    def batch_decode(self, batch_heatmaps: Tensor, batch_tags: Tensor
                     ) -> Tuple[List[np.ndarray], List[np.ndarray], List[np.ndarray]]:
        """Decodes a batch like :meth:`AssociativeEmbedding.batch_decode` (same outputs: per image keypoints
        (N, K, 2) in input-image space, keypoint scores (N, K), instance scores (N,) = mean joint value before
        filling). ``batch_tags``: (B, L*K, H, W), or (B, K, H, W, L).

        NMS, top-k, the quarter-pixel refinement of the candidates and the cost maps of the missing joints run
        as torch ops on the maps' device; only the candidates, the tags at the grouped joints and the filled
        joints cross to the host (the whole maps only with ``use_udp``, whose refinement is mmpose's NumPy one).
        """
        B, K, H, W = batch_heatmaps.shape
        if batch_tags.dim() == 5:
            assert batch_tags.shape[:4] == (B, K, H, W), (
                f'tags of shape {tuple(batch_tags.shape)} do not match heatmaps {tuple(batch_heatmaps.shape)}')
            batch_tags = batch_tags.permute(0, 4, 1, 2, 3).reshape(B, -1, H, W)
        assert batch_tags.shape[0] == B and batch_tags.shape[2:4] == (H, W), (
            f'Mismatched shapes of heatmap ({batch_heatmaps.shape}) and tagging map ({batch_tags.shape})')
        timer = StageTimer(self.profile, batch_heatmaps.device)
        with torch.no_grad():
            # float32 like the network output of mmpose's path (AMP may give float16/bfloat16)
            batch_heatmaps, batch_tags = batch_heatmaps.float(), batch_tags.float()
            vals, cand_tags, locs = nms_topk(batch_heatmaps, batch_tags, self.decode_nms_kernel, self.decode_topk)
            if not self.use_udp:  # a grouped joint is a candidate: refine the candidates where the maps are
                locs = refine_candidates(batch_heatmaps, locs)
            topk = to_numpy((vals, cand_tags, locs))
        timer.lap('device')
        batch_groups = self._group_keypoints(*topk)
        timer.lap('host')

        batch_keypoints, batch_keypoint_scores, batch_instance_scores = [], [], []
        for groups, heatmaps, tags in zip(batch_groups, batch_heatmaps, batch_tags):
            keypoints, scores = groups[..., :-1], groups[..., -1]
            instance_scores = scores.mean(axis=-1)
            if keypoints.size > 0:
                if self.use_udp:
                    keypoints = refine_keypoints_dark_udp(keypoints, to_numpy(heatmaps),
                                                          blur_kernel_size=self.decode_gaussian_kernel)
                keypoints += self.decode_center_shift * (scores > 0).astype(keypoints.dtype)[..., None]
                with torch.no_grad():
                    keypoints, scores = fill_missing_keypoints_device(keypoints, scores, heatmaps, tags,
                                                                      timer=timer)
            batch_keypoints.append(keypoints * self.scale_factor)
            batch_keypoint_scores.append(scores)
            batch_instance_scores.append(instance_scores)
        timer.lap('host')
        return batch_keypoints, batch_keypoint_scores, batch_instance_scores
