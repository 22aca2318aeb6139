"""The pre-activation residual unit of Newell's stacked hourglass."""
from __future__ import annotations

from torch import Tensor, nn


class PreActBottleneck(nn.Module):
    """Pre-activation bottleneck residual: ``x -> skip(x) + body(x)``, BatchNorm and ReLU before every conv.

    The body is BN-ReLU-conv1x1 (in -> out/2), BN-ReLU-conv3x3 (out/2 -> out/2), BN-ReLU-conv1x1 (out/2 -> out),
    every conv with a bias; the skip is the identity, or a 1x1 conv (with bias) when the channels change.
    ``depthwise`` makes the 3x3 conv depthwise (``groups`` = its channels), which turns the body into a
    depthwise-separable unit (the "mobile" hourglass of the unofficial Fast Pose Distillation code).
    ``tiny`` replaces the body with a single BN-ReLU-conv3x3 (in -> out), the residual of the TensorFlow
    port's ``tiny`` hourglass.

    From `Stacked Hourglass Networks for Human Pose Estimation` (Newell et al., ECCV 2016) and `Identity
    Mappings in Deep Residual Networks` (He et al., ECCV 2016).

    Args:
        in_channels: input channels.
        out_channels: output channels; the bottleneck width is ``out_channels // 2``.
        depthwise: depthwise 3x3 conv in the bottleneck.
        tiny: one 3x3 conv instead of the bottleneck (cannot be combined with ``depthwise``).
    """

    def __init__(self, in_channels: int, out_channels: int, depthwise: bool = False, tiny: bool = False) -> None:
        super().__init__()
        if out_channels % 2:
            raise ValueError(f'{type(self).__name__}: out_channels must be even (bottleneck width out/2), '
                             f'got {out_channels}')
        if tiny and depthwise:
            raise ValueError(f'{type(self).__name__}: tiny (one full 3x3 conv from {in_channels} to {out_channels} '
                             'channels) cannot be depthwise; use either tiny or mobile')
        if tiny:
            self.body = nn.Sequential(
                nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
                nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        else:
            mid = out_channels // 2
            self.body = nn.Sequential(
                nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
                nn.Conv2d(in_channels, mid, kernel_size=1),
                nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                nn.Conv2d(mid, mid, kernel_size=3, padding=1, groups=mid if depthwise else 1),
                nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                nn.Conv2d(mid, out_channels, kernel_size=1))
        self.skip = nn.Identity() if in_channels == out_channels else nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        # the skip reads x before the body's in-place ReLU can touch it: the first ReLU acts on BN's output
        return self.skip(x) + self.body(x)
