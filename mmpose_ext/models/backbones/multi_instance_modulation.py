"""The Multi-Instance Modulation Block (MIMB) of MIPNet."""
from __future__ import annotations

import torch
from torch import Tensor, nn


class MultiInstanceModulation(nn.Module):
    """Re-weights the channels of a feature map by its own content and by the instance selector lambda.

    ``out = x * sigmoid(SE(x)) * sigmoid(MLP(lambda))``: multiplicative only, no additive shift. The
    squeeze-excite branch is ``Linear(C, C/r) -> ReLU -> Linear(C/r, C)`` without biases on the globally pooled
    feature; the lambda branch is ``Linear(N, C/r) -> BatchNorm1d -> ReLU -> Linear(C/r, C)`` with biases on
    the one-hot lambda code.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        channels: channels C of the modulated feature map.
        num_instances: size N of the one-hot lambda code.
        reduction: hidden width is ``C // reduction`` (4 in every published run).
    """

    def __init__(self, channels: int, num_instances: int = 2, reduction: int = 4) -> None:
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.excite = nn.Sequential(
            nn.Linear(channels, hidden, bias=False), nn.ReLU(inplace=True), nn.Linear(hidden, channels, bias=False))
        self.embed = nn.Sequential(
            nn.Linear(num_instances, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, channels))
        self.channels = channels
        self.num_instances = num_instances

    def forward(self, x: Tensor, lambdas: Tensor) -> Tensor:
        """Modulate ``x`` (B, C, H, W) by its lambda codes ``lambdas`` (B, N)."""
        batch, channels = x.shape[:2]
        content = torch.sigmoid(self.excite(x.mean(dim=(2, 3))))
        instance = torch.sigmoid(self.embed(lambdas))
        return x * (content * instance).view(batch, channels, 1, 1)
