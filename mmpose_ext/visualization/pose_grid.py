"""Drawing predicted poses onto images and tiling them into one picture a person can look at."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

# Distinct BGR colours for successive instances (or for each lambda of a multi-instance model).
PALETTE: Tuple[Tuple[int, int, int], ...] = ((0, 200, 255), (255, 80, 40), (60, 220, 60), (200, 60, 255),
                                             (255, 220, 0), (0, 90, 255), (180, 180, 180), (255, 0, 160))


def draw_poses(image: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, skeleton: Sequence[Tuple[int, int]],
               colors: Optional[Sequence[Tuple[int, int, int]]] = None, score_thr: float = 0.3,
               boxes: Optional[np.ndarray] = None, thickness: int = 2,
               hollow: Optional[np.ndarray] = None) -> np.ndarray:
    """Draws N poses on a copy of a BGR image.

    Args:
        image: HxWx3 uint8 BGR image.
        keypoints: (N, K, 2) pixel coordinates.
        scores: (N, K) keypoint confidences; joints below ``score_thr`` are not drawn.
        skeleton: pairs of keypoint indices to connect.
        colors: one BGR colour per instance (default: :data:`PALETTE` in turn).
        score_thr: confidence threshold.
        boxes: optional (N, 4) xyxy boxes drawn thin in the instance colour.
        thickness: limb thickness in pixels.
        hollow: optional (N, K) booleans; those joints are drawn as a ring only (e.g. occluded, v=1).
    """
    canvas = image.copy()
    keypoints = np.asarray(keypoints, dtype=np.float32).reshape(-1, np.shape(keypoints)[-2], 2)
    scores = np.asarray(scores, dtype=np.float32).reshape(keypoints.shape[:2])
    rings = np.zeros(keypoints.shape[:2], dtype=bool) if hollow is None else np.asarray(hollow, dtype=bool)
    for i, (kpts, conf, ring) in enumerate(zip(keypoints, scores, rings)):
        color = tuple(int(c) for c in (colors[i] if colors is not None else PALETTE[i % len(PALETTE)]))
        if boxes is not None:
            x1, y1, x2, y2 = (int(round(v)) for v in boxes[i])
            cv2.rectangle(canvas, (x1, y1), (x2, y2), color, 1, cv2.LINE_AA)
        for a, b in skeleton:
            if conf[a] >= score_thr and conf[b] >= score_thr:
                pa = tuple(int(round(v)) for v in kpts[a])
                pb = tuple(int(round(v)) for v in kpts[b])
                cv2.line(canvas, pa, pb, color, thickness, cv2.LINE_AA)
        for (x, y), c, r in zip(kpts, conf, ring):
            if c >= score_thr:
                if not r:
                    cv2.circle(canvas, (int(round(x)), int(round(y))), thickness + 1, (255, 255, 255), -1,
                               cv2.LINE_AA)
                cv2.circle(canvas, (int(round(x)), int(round(y))), thickness + 1, color, 1, cv2.LINE_AA)
    return canvas


def image_grid(images: Sequence[np.ndarray], cols: int = 4, cell: Tuple[int, int] = (256, 256),
               titles: Optional[Sequence[str]] = None) -> np.ndarray:
    """Tiles images (resized to ``cell`` = (w, h), aspect kept, padded) into a grid with optional titles."""
    if not images:
        raise ValueError('image_grid needs at least one image')
    cw, ch = cell
    rows = (len(images) + cols - 1) // cols
    grid = np.full((rows * ch, cols * cw, 3), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        scale = min(cw / img.shape[1], ch / img.shape[0])
        resized = cv2.resize(img, (max(1, int(img.shape[1] * scale)), max(1, int(img.shape[0] * scale))),
                             interpolation=cv2.INTER_AREA)
        r, c = divmod(i, cols)
        y0, x0 = r * ch, c * cw
        grid[y0:y0 + resized.shape[0], x0:x0 + resized.shape[1]] = resized
        if titles is not None:
            cv2.putText(grid, titles[i], (x0 + 4, y0 + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 2, cv2.LINE_AA)
            cv2.putText(grid, titles[i], (x0 + 4, y0 + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                        cv2.LINE_AA)
    return grid
