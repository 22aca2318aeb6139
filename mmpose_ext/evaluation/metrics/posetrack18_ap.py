"""PoseTrack's per-joint mAP, computed as poseval's ``evaluateAP`` computes it, in our own vectorised code.

The PoseTrack benchmark (Andriluka et al., "PoseTrack: A Benchmark for Human Pose Estimation and Tracking",
CVPR 2018) scores multi-person pose estimation in video frames with the evaluation kit *poseval*. This module
restates its rules (facts only; no code of the kit is used) on arrays:

* 15 joints in the kit's order (:data:`POSEVAL_JOINTS`); PoseTrack18's ears are not scored.
* Head size = 0.6 x the diagonal of the ground-truth head box; a predicted joint matches the same ground-truth
  joint when their distance / head size is ``<= 0.5`` (PCKh@0.5).
* Points inside an ignore region (strict interior of its polygon) are deleted from ground truth and predictions;
  in a frame with ignore regions, a person left without points is deleted.
* Per frame, ``pck[p, g]`` = matched joints / annotated joints of ``g``. Each prediction keeps only its best
  ground truth (first maximum); each ground truth then takes the prediction with the highest remaining ``pck``
  (first maximum), or none when that is 0. Greedy, not Hungarian.
* Every predicted joint of an assigned prediction is one sample (its score, label = matched); every joint of an
  unassigned prediction, and of any prediction in a frame without ground truth, is a sample with label 0.
* Per joint, the samples of all frames are sorted by score (descending, in numpy's ``argsort`` order), and AP is
  the VOC all-point interpolated area under precision/recall, x100; 0 without samples, NaN when the joint has
  samples but no ground truth. Total is the mean over the non-NaN joints; Head, Shou, ... average the joints of
  each part (:data:`PART_COLUMNS`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

#: the 15 joints poseval scores, in its order (PoseTrack18's ``head_bottom`` is poseval's "neck")
POSEVAL_JOINTS: Tuple[str, ...] = (
    'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle', 'right_wrist', 'right_elbow',
    'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist', 'head_bottom', 'nose', 'head_top')
#: the summary columns of poseval's table and the joints (indices into :data:`POSEVAL_JOINTS`) each averages
PART_COLUMNS: Tuple[Tuple[str, Tuple[int, ...]], ...] = (
    ('Head', (14, 12, 13)), ('Shou', (8, 9)), ('Elb', (7, 10)), ('Wri', (6, 11)), ('Hip', (2, 3)),
    ('Knee', (1, 4)), ('Ankl', (0, 5)))
HEAD_SIZE_FACTOR = 0.6
PCKH_THRESHOLD = 0.5
NUM_JOINTS = len(POSEVAL_JOINTS)


@dataclass
class Poses:
    """The persons of one frame in poseval's 15-joint order.

    Args:
        points: (P, 15, 2) joint positions (only where ``present``).
        present: (P, 15) which joints the person has (annotated, or predicted).
        scores: (P, 15) predicted joint scores (predictions only).
        head_size: (P,) head sizes, ``0.6 * ||head box diagonal||`` (ground truth only).
    """
    points: np.ndarray
    present: np.ndarray
    scores: Optional[np.ndarray] = None
    head_size: Optional[np.ndarray] = None

    @classmethod
    def empty(cls) -> 'Poses':
        return cls(np.zeros((0, NUM_JOINTS, 2)), np.zeros((0, NUM_JOINTS), bool), np.zeros((0, NUM_JOINTS)),
                   np.zeros(0))

    def __len__(self) -> int:
        return len(self.points)

    def select(self, keep: np.ndarray) -> 'Poses':
        return Poses(self.points[keep], self.present[keep],
                     None if self.scores is None else self.scores[keep],
                     None if self.head_size is None else self.head_size[keep])


@dataclass
class Frame:
    """One scored frame: ground truth, predictions and ignore regions (each an (M, 2) polygon)."""
    gt: Poses
    pred: Poses
    regions: List[np.ndarray] = field(default_factory=list)


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """(N,) whether each point lies strictly inside ``polygon`` (M, 2) (even-odd rule; the boundary is outside,
    as for shapely's ``Polygon.contains``). A polygon of fewer than 3 vertices contains nothing."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    if len(poly) < 3 or not len(points):
        return np.zeros(len(points), bool)
    x, y = points[:, 0:1], points[:, 1:2]
    x1, y1 = poly[:, 0][None], poly[:, 1][None]
    x2, y2 = np.roll(poly[:, 0], -1)[None], np.roll(poly[:, 1], -1)[None]
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    on_edge = (cross == 0) & (np.minimum(x1, x2) <= x) & (x <= np.maximum(x1, x2)) \
        & (np.minimum(y1, y2) <= y) & (y <= np.maximum(y1, y2))
    straddles = (y1 > y) != (y2 > y)
    with np.errstate(divide='ignore', invalid='ignore'):
        x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    crossings = (straddles & (x < x_cross)).sum(1)
    return (crossings % 2 == 1) & ~on_edge.any(1)


def remove_ignored(poses: Poses, regions: Sequence[np.ndarray]) -> Poses:
    """Deletes the points inside any region and then the persons without points (only in frames with regions)."""
    if not len(regions) or not len(poses):
        return poses
    flat = poses.points.reshape(-1, 2)
    inside = np.zeros(len(flat), bool)
    for region in regions:
        inside |= points_in_polygon(flat, region)
    present = poses.present & ~inside.reshape(poses.present.shape)
    kept = Poses(poses.points, present, poses.scores, poses.head_size)
    return kept.select(present.any(1))


def greedy_assignment(pck: np.ndarray) -> np.ndarray:
    """poseval's person assignment from a (P, G) score matrix: each prediction keeps its best ground truth
    (first maximum), each ground truth takes the prediction with the highest remaining score (first maximum),
    none when that is 0. Returns (G,) prediction indices, -1 for none."""
    if not pck.size:
        return np.full(pck.shape[1], -1)
    best = pck.argmax(1)
    pck = np.where(np.arange(pck.shape[1])[None] == best[:, None], pck, 0.0)
    pred_of_gt = pck.argmax(0)
    pred_of_gt[pck.max(0) == 0] = -1
    return pred_of_gt


def assign_frame(gt: Poses, pred: Poses, thr: float = PCKH_THRESHOLD) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Per joint, the (scores, labels) samples of one frame after poseval's greedy person assignment."""
    labels = np.zeros(pred.present.shape, bool)
    if len(pred) and len(gt):
        both = pred.present[:, None] & gt.present[None]  # (P, G, J)
        with np.errstate(divide='ignore', invalid='ignore'):
            dist = np.linalg.norm(pred.points[:, None] - gt.points[None], axis=-1) / gt.head_size[None, :, None]
        dist = np.where(both, dist, np.inf)
        match = dist <= thr
        annotated = gt.present.sum(1)
        pck = match.sum(2).astype(np.float64)
        pck = np.where(annotated[None] > 0, pck / np.maximum(annotated[None], 1), pck)
        for g, p in enumerate(greedy_assignment(pck)):
            if p >= 0:
                labels[p] = match[p, g]
    samples_scores, samples_labels = [], []
    for j in range(NUM_JOINTS):
        has = pred.present[:, j]
        samples_scores.append(pred.scores[has, j])
        samples_labels.append(labels[has, j])
    return samples_scores, samples_labels


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """VOC all-point interpolated average precision (in [0, 1])."""
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[i] - mrec[i - 1]) * mpre[i]))


def joint_ap(scores: np.ndarray, labels: np.ndarray, num_gt: float) -> float:
    """AP x100 of one joint's pooled samples (0 without samples; NaN with samples but no ground truth)."""
    if not len(scores):
        return 0.0
    order = np.asarray(scores, dtype=np.float64).argsort()[::-1]
    positives = np.cumsum(np.asarray(labels)[order] == 1)
    with np.errstate(divide='ignore', invalid='ignore'):
        recall = positives / np.float64(num_gt)
    precision = positives / np.arange(1, len(order) + 1)
    with np.errstate(invalid='ignore'):
        return voc_ap(recall, precision) * 100


def evaluate_frames(frames: Sequence[Frame], thr: float = PCKH_THRESHOLD) -> Dict[str, float]:
    """PoseTrack mAP of the frames: per-joint AP (keys ``AP <joint>``), the part columns ``Head AP`` ...
    ``Ankl AP`` and the total ``AP``, plus ``num_frames``, ``num_gt_joints`` and ``num_pred_joints``."""
    scores: List[List[np.ndarray]] = [[] for _ in range(NUM_JOINTS)]
    labels: List[List[np.ndarray]] = [[] for _ in range(NUM_JOINTS)]
    num_gt = np.zeros(NUM_JOINTS)
    for frame in frames:
        gt, pred = frame.gt, frame.pred
        if frame.regions:
            gt, pred = remove_ignored(gt, frame.regions), remove_ignored(pred, frame.regions)
        frame_scores, frame_labels = assign_frame(gt, pred, thr)
        for j in range(NUM_JOINTS):
            scores[j].append(frame_scores[j])
            labels[j].append(frame_labels[j])
        num_gt += gt.present.sum(0)
    ap = np.array([joint_ap(np.concatenate(scores[j]) if scores[j] else np.zeros(0),
                            np.concatenate(labels[j]) if labels[j] else np.zeros(0, bool), num_gt[j])
                   for j in range(NUM_JOINTS)])
    finite = ap[~np.isnan(ap)]
    total = float(finite.mean()) if len(finite) else float('nan')
    metrics = {f'{name} AP': float(np.mean(ap[list(joints)])) for name, joints in PART_COLUMNS}
    metrics['AP'] = total
    metrics.update({f'AP {name}': float(value) for name, value in zip(POSEVAL_JOINTS, ap)})
    metrics.update(num_frames=float(len(frames)), num_gt_joints=float(num_gt.sum()),
                   num_pred_joints=float(sum(len(s) for per_joint in scores for s in per_joint)))
    return metrics


def format_ap_table(columns: Dict[str, Dict[str, float]]) -> str:
    """poseval's table (Head, Shou, Elb, Wri, Hip, Knee, Ankl, Total), one row per named result."""
    names = [name for name, _ in PART_COLUMNS] + ['Total']
    keys = [f'{name} AP' for name, _ in PART_COLUMNS] + ['AP']
    width = max([len(label) for label in columns] + [8])
    lines = [' ' * width + ''.join(f'{n:>8}' for n in names)]
    for label, metrics in columns.items():
        values = [metrics.get(k, metrics.get(f'{label}/{k}', float('nan'))) for k in keys]
        lines.append(f'{label:<{width}}' + ''.join(f'{v:>8.1f}' for v in values))
    return '\n'.join(lines)
