"""Pictures of bottom-up predictions: every grouped person of an image in its own colour."""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np

from .pose_grid import PALETTE, draw_poses


def draw_grouped_poses(image: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
                       skeleton: Sequence[Tuple[int, int]], kpt_thr: float = 0.3,
                       min_joints: int = 3) -> Tuple[np.ndarray, int]:
    """Draws each grouped person (one pose of the bottom-up grouping) in its own colour of :data:`PALETTE`.

    A person with fewer than ``min_joints`` joints above ``kpt_thr`` is left out (too unsure to show).

    Args:
        image: HxWx3 uint8 BGR image.
        keypoints: (N, K, 2) poses in image pixels.
        scores: (N, K) joint scores.
        skeleton: pairs of joint indices to connect.
        kpt_thr: joints below this score are not drawn.
        min_joints: persons with fewer drawn joints are skipped.

    Returns:
        The drawn copy and the number of persons drawn.
    """
    keypoints = np.asarray(keypoints, dtype=np.float32).reshape(-1, np.shape(keypoints)[-2], 2)
    scores = np.asarray(scores, dtype=np.float32).reshape(keypoints.shape[:2])
    keep = (scores >= kpt_thr).sum(1) >= min_joints
    colours = [PALETTE[i % len(PALETTE)] for i in range(int(keep.sum()))]
    return draw_poses(image, keypoints[keep], scores[keep], skeleton, colors=colours, score_thr=kpt_thr), \
        int(keep.sum())
