"""PoseFix loss: bilinear one-hot targets, softmax cross-entropy and L1 terms, visibility masking."""
from __future__ import annotations

import math

import pytest
import torch
from mmpose.registry import MODELS

from mmpose_ext.models.losses.posefix_loss import PoseFixLoss, bilinear_onehot_target


def _target(x: float, y: float, size=(5, 4)) -> torch.Tensor:
    return bilinear_onehot_target(torch.tensor([[[x, y]]]), size)[0, 0]


def test_interior_point_is_split_over_its_four_neighbours():
    target = _target(2.25, 1.5)
    expected = torch.zeros(4, 5)
    expected[1, 2], expected[1, 3] = 0.75 * 0.5, 0.25 * 0.5
    expected[2, 2], expected[2, 3] = 0.75 * 0.5, 0.25 * 0.5
    torch.testing.assert_close(target, expected)


def test_integer_point_puts_all_weight_on_its_pixel():
    target = _target(3.0, 2.0)
    assert target[2, 3] == 1 and target.sum() == 1


@pytest.mark.parametrize('point, pixel', [
    ((4.0, 3.0), (3, 4)),        # last pixel exactly: no neighbour outside the map
    ((4.6, 1.0), (1, 4)),        # right of the last column: clipped to it
    ((-2.0, -0.5), (0, 0)),      # above-left of the map: clipped to the corner
    ((0.0, 3.9), (3, 0)),        # below the last row
])
def test_points_on_or_outside_the_border_land_on_the_border(point, pixel):
    target = _target(*point)
    assert target[pixel] == pytest.approx(1.0)
    assert target.sum() == pytest.approx(1.0)


def test_every_target_sums_to_one_with_at_most_four_pixels():
    coords = torch.empty(3, 7, 2).uniform_(-3, 12)
    target = bilinear_onehot_target(coords, (9, 6))
    torch.testing.assert_close(target.sum(dim=(-1, -2)), torch.ones(3, 7))
    assert ((target > 0).sum(dim=(-1, -2)) <= 4).all()


def test_bilinear_target_has_the_point_as_its_mean():
    coords = torch.tensor([[[1.3, 2.8], [6.9, 0.2]]])
    target = bilinear_onehot_target(coords, (8, 5))
    mean_x = (target.sum(dim=-2) * torch.arange(8.)).sum(-1)
    mean_y = (target.sum(dim=-1) * torch.arange(5.)).sum(-1)
    torch.testing.assert_close(torch.stack([mean_x, mean_y], -1), coords)


def test_uniform_logits_give_log_of_the_pixel_count_per_visible_joint():
    loss = PoseFixLoss()
    logits = torch.zeros(1, 2, 4, 5)
    coords = torch.full((1, 2, 2), 2.0)
    out = loss(logits, coords, torch.tensor([[[1.5, 2.0], [3.0, 1.0]]]), torch.tensor([[1.0, 0.0]]))
    # cross-entropy of a uniform prediction is log(H*W) for any target; the masked joint counts as 0 in the mean
    assert out['loss_heatmap'].item() == pytest.approx(math.log(20) / 2)
    # |2 - 1.5| + |2 - 2| over 2 joints x 2 coordinates, the second joint masked
    assert out['loss_coord'].item() == pytest.approx(0.5 / 4)


def test_confident_correct_logits_give_near_zero_cross_entropy():
    target = torch.tensor([[[2.0, 1.0]]])
    logits = torch.full((1, 1, 4, 5), -50.0)
    logits[0, 0, 1, 2] = 50.0
    out = PoseFixLoss()(logits, target.clone(), target, torch.ones(1, 1))
    assert out['loss_heatmap'].item() < 1e-6 and out['loss_coord'].item() == 0


def test_masked_joints_with_nan_targets_contribute_nothing():
    loss = PoseFixLoss()
    logits = torch.randn(2, 3, 4, 5, requires_grad=True)
    coords = torch.rand(2, 3, 2) * 3
    target = torch.rand(2, 3, 2) * 3
    weights = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    out = loss(logits, coords, target, weights)
    target_nan = target.clone()
    target_nan[weights == 0] = float('nan')
    out_nan = loss(logits, coords, target_nan, weights)
    for key in ('loss_heatmap', 'loss_coord'):
        assert torch.isfinite(out_nan[key]) and out_nan[key].item() == pytest.approx(out[key].item())
    sum(out_nan.values()).backward()
    assert logits.grad[weights == 0].abs().sum() == 0 and torch.isfinite(logits.grad).all()


def test_term_weights_scale_each_term_and_the_loss_is_registered():
    logits, coords = torch.randn(1, 2, 4, 5), torch.rand(1, 2, 2) * 3
    target, weights = torch.rand(1, 2, 2) * 3, torch.ones(1, 2)
    base = PoseFixLoss()(logits, coords, target, weights)
    scaled = MODELS.build(dict(type='PoseFixLoss', heatmap_weight=2.0, coord_weight=0.5))(
        logits, coords, target, weights)
    assert scaled['loss_heatmap'].item() == pytest.approx(2 * base['loss_heatmap'].item())
    assert scaled['loss_coord'].item() == pytest.approx(0.5 * base['loss_coord'].item())


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match='PoseFixLoss'):
        PoseFixLoss()(torch.zeros(2, 3, 4, 5), torch.zeros(2, 3, 2), torch.zeros(2, 4, 2), torch.ones(2, 4))
