"""One recursive hourglass of Newell's stacked hourglass network."""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from .preact_bottleneck import PreActBottleneck


def residual_group(channels: int, num_blocks: int, depthwise: bool, tiny: bool) -> nn.Sequential:
    """``num_blocks`` pre-activation residuals at a constant width."""
    return nn.Sequential(*[PreActBottleneck(channels, channels, depthwise=depthwise, tiny=tiny)
                           for _ in range(num_blocks)])


class HourglassModule(nn.Module):
    """Recursive hourglass: ``out = skip(x) + upsample(post(inner(pre(maxpool(x)))))``.

    ``skip``, ``pre`` and ``post`` are ``num_blocks`` residuals each; ``inner`` is an hourglass of depth - 1, or
    ``num_blocks`` residuals at the lowest level. Pooling is 2x2 max pooling, upsampling is nearest neighbour
    (to the skip branch's size, so odd feature sizes work too). A depth-4 hourglass sees the 64x64 features of
    a 256x256 input down to 4x4.

    From `Stacked Hourglass Networks for Human Pose Estimation` (Newell et al., ECCV 2016).

    Args:
        depth: number of poolings (the TensorFlow port's ``nLow``).
        channels: feature channels at every level.
        num_blocks: residuals per branch and level.
        depthwise: depthwise 3x3 convs in the residuals (mobile hourglass).
        tiny: single-conv residuals (the TensorFlow port's ``tiny``).
    """

    def __init__(self, depth: int, channels: int, num_blocks: int = 1, depthwise: bool = False,
                 tiny: bool = False) -> None:
        super().__init__()
        if depth < 1 or num_blocks < 1:
            raise ValueError(f'{type(self).__name__}: depth and num_blocks must be >= 1, got {depth}, {num_blocks}')
        self.depth = depth
        self.skip = residual_group(channels, num_blocks, depthwise, tiny)
        self.pre = residual_group(channels, num_blocks, depthwise, tiny)
        self.inner = (HourglassModule(depth - 1, channels, num_blocks, depthwise, tiny) if depth > 1
                      else residual_group(channels, num_blocks, depthwise, tiny))
        self.post = residual_group(channels, num_blocks, depthwise, tiny)

    def forward(self, x: Tensor) -> Tensor:
        up = self.skip(x)
        low = self.post(self.inner(self.pre(F.max_pool2d(x, kernel_size=2, stride=2))))
        return up + F.interpolate(low, size=up.shape[-2:], mode='nearest')
