"""Each lambda's pose is drawn in its colour; a lambda > 0 pose that repeats the box's person or is too unsure is
left out, as in the demo picture."""
from __future__ import annotations

import numpy as np

from mmpose_ext.visualization import LAMBDA_COLOURS, draw_box_predictions

SKELETON = [(0, 1), (1, 2), (2, 3), (3, 4)]


def pose(x0: float) -> np.ndarray:
    return np.array([[x0, 20 + 15 * k] for k in range(5)], dtype=np.float32)


def pixels(image: np.ndarray, colour) -> int:
    return int((np.abs(image.astype(int) - np.array(colour)).max(axis=-1) < 30).sum())


def test_each_lambda_in_its_colour_and_duplicates_left_out():
    canvas = np.zeros((100, 120, 3), dtype=np.uint8)
    box = np.array([10, 10, 110, 95], dtype=np.float32)
    scores = np.ones((2, 5), dtype=np.float32)
    drawn, extra = draw_box_predictions(canvas, box, np.stack([pose(30), pose(80)]), scores, [0, 1], SKELETON)
    assert extra == 1 and pixels(drawn, LAMBDA_COLOURS[0]) > 50 and pixels(drawn, LAMBDA_COLOURS[1]) > 50
    assert not canvas.any()  # the input stays as it was

    same, extra = draw_box_predictions(canvas, box, np.stack([pose(30), pose(30.5)]), scores, [0, 1], SKELETON)
    assert extra == 0 and pixels(same, LAMBDA_COLOURS[1]) == 0

    unsure = scores.copy()
    unsure[1, :3] = 0.1
    drawn, extra = draw_box_predictions(canvas, box, np.stack([pose(30), pose(80)]), unsure, [0, 1], SKELETON,
                                        kpt_thr=0.3)
    assert extra == 0 and pixels(drawn, LAMBDA_COLOURS[1]) == 0
    drawn, extra = draw_box_predictions(canvas, box, np.stack([pose(30), pose(80)]), unsure, [0, 1], SKELETON,
                                        kpt_thr=0.05)
    assert extra == 1 and pixels(drawn, LAMBDA_COLOURS[1]) > 50
