"""PoseFix's training loss: softmax cross-entropy against a bilinear one-hot map plus L1 on soft-argmax coordinates."""
from __future__ import annotations

from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from mmpose.models.losses import L1Loss
from mmpose.registry import MODELS
from torch import Tensor, nn


def bilinear_onehot_target(coords: Tensor, map_size: Tuple[int, int]) -> Tensor:
    """Splits each point over its four neighbouring pixels with bilinear weights that sum to 1.

    A point outside the map is first clipped to it, so its whole weight lands on the border pixels (the
    reference drops the out-of-map corners and renormalises, which gives the same map).

    Args:
        coords: (B, K, 2) points (x, y) in map pixels; pixel (i, j) is the point (i, j).
        map_size: (W, H) of the map.

    Returns:
        (B, K, H, W) target maps, each summing to 1.
    """
    width, height = map_size
    if width < 2 or height < 2:
        raise ValueError(f'bilinear_onehot_target needs a map of at least 2x2 pixels, got {width}x{height}')
    x = coords[..., 0].clamp(0, width - 1)
    y = coords[..., 1].clamp(0, height - 1)
    # the left/top neighbour stays one pixel inside so that x == W - 1 puts all its weight on the right one
    x0 = x.floor().clamp(max=width - 2)
    y0 = y.floor().clamp(max=height - 2)
    wx1, wy1 = x - x0, y - y0
    wx0, wy0 = 1 - wx1, 1 - wy1

    batch, joints = coords.shape[:2]
    target = coords.new_zeros(batch, joints, height * width)
    x0, y0 = x0.long(), y0.long()
    for dx, dy, weight in ((0, 0, wx0 * wy0), (1, 0, wx1 * wy0), (0, 1, wx0 * wy1), (1, 1, wx1 * wy1)):
        index = (y0 + dy) * width + (x0 + dx)
        target.scatter_add_(2, index.unsqueeze(-1), weight.unsqueeze(-1))
    return target.view(batch, joints, height, width)


@MODELS.register_module()
class PoseFixLoss(nn.Module):
    """PoseFix's loss: a heatmap term and a coordinate term, both masked by the keypoint weights.

    * ``loss_heatmap``: softmax cross-entropy of each joint's map against :func:`bilinear_onehot_target` of
      the ground truth, ``mean over (B, K) of w * CE``.
    * ``loss_coord``: L1 between the soft-argmax coordinates and the ground truth, in output-map pixels,
      ``mean over (B, K, 2) of w * |pred - gt|`` (mmpose's ``L1Loss`` with target weights).

    The two are weighted 1:1 in the paper. Both are averaged over all joints, masked ones included (not over
    the visible ones only), as the reference does. Masked joints may carry any coordinates, even NaN.

    From `PoseFix: Model-agnostic General Human Pose Refinement Network` (Moon, Chang and Lee, CVPR 2019).

    Args:
        heatmap_weight: weight of the cross-entropy term.
        coord_weight: weight of the L1 coordinate term.
    """

    def __init__(self, heatmap_weight: float = 1.0, coord_weight: float = 1.0) -> None:
        super().__init__()
        self.heatmap_weight = heatmap_weight
        self.coord_loss = L1Loss(use_target_weight=True, loss_weight=coord_weight)

    def forward(self, heatmap_logits: Tensor, pred_coords: Tensor, target_coords: Tensor,
                target_weights: Tensor) -> Dict[str, Tensor]:
        """Both loss terms.

        Args:
            heatmap_logits: (B, K, H, W) raw head outputs.
            pred_coords: (B, K, 2) soft-argmax of the logits, in map pixels.
            target_coords: (B, K, 2) ground truth in map pixels.
            target_weights: (B, K) keypoint weights (visible and inside the crop).

        Returns:
            ``dict(loss_heatmap=..., loss_coord=...)``.
        """
        batch, joints, height, width = heatmap_logits.shape
        if target_coords.shape != (batch, joints, 2) or target_weights.shape != (batch, joints):
            raise ValueError(f'PoseFixLoss: logits {tuple(heatmap_logits.shape)} need targets ({batch}, {joints}, 2) '
                             f'and weights ({batch}, {joints}), got {tuple(target_coords.shape)} and '
                             f'{tuple(target_weights.shape)}')
        valid = target_weights > 0
        target_coords = torch.where(valid.unsqueeze(-1), target_coords.float(), torch.zeros_like(target_coords.float()))
        target_maps = bilinear_onehot_target(target_coords, (width, height))
        log_probs = F.log_softmax(heatmap_logits.float().flatten(2), dim=-1)
        cross_entropy = -(target_maps.flatten(2) * log_probs).sum(-1)
        loss_heatmap = (cross_entropy * target_weights).mean() * self.heatmap_weight
        loss_coord = self.coord_loss(pred_coords.float(), target_coords, target_weights.float())
        return dict(loss_heatmap=loss_heatmap, loss_coord=loss_coord)
