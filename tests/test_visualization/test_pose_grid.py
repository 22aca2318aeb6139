from __future__ import annotations

import numpy as np
import pytest

from mmpose_ext.visualization import draw_poses, image_grid


def test_draw_poses_paints_only_confident_joints_in_instance_colours():
    img = np.zeros((64, 64, 3), np.uint8)
    kpts = np.array([[[10, 10], [50, 10]], [[10, 50], [50, 50]]], np.float32)
    scores = np.array([[0.9, 0.9], [0.9, 0.1]], np.float32)
    out = draw_poses(img, kpts, scores, skeleton=[(0, 1)], colors=[(0, 0, 255), (0, 255, 0)], score_thr=0.3)
    assert img.sum() == 0, 'input must not be modified'
    assert tuple(out[10, 30]) == (0, 0, 255)  # limb of instance 0
    assert out[50, 30].sum() == 0  # instance 1's limb is not drawn: one joint below the threshold
    assert out[50, 10].sum() > 0 and out[50, 50].sum() == 0


def test_image_grid_layout():
    tiles = [np.full((20, 10, 3), 50 * i, np.uint8) for i in range(1, 4)]
    grid = image_grid(tiles, cols=2, cell=(10, 20))
    assert grid.shape == (40, 20, 3)
    assert grid[5, 5, 0] == 50 and grid[5, 15, 0] == 100 and grid[25, 5, 0] == 150 and grid[25, 15, 0] == 255
    with pytest.raises(ValueError):
        image_grid([])
