"""Attention maps of the multi-context attention hourglass (the TensorFlow hourglass port's ``attention``)."""
from __future__ import annotations

import torch
from torch import Tensor, nn


class IterativeAttention(nn.Module):
    """Sigmoid attention maps refined by a few iterations of one shared conv.

    ``U = conv3x3(x)`` gives ``num_maps`` unary maps; then ``Q_1 = sigmoid(U + k * U)`` and
    ``Q_t = sigmoid(U + k * Q_{t-1})``, where ``k`` is a per-map conv shared by all iterations (a learned
    scalar per map for ``kernel_size=1``, as in the TensorFlow port). ``forward`` returns ``Q`` (B, num_maps,
    H, W); the caller multiplies features by it (holistic attention: one map for all channels; part
    attention: one map per joint). Convs have no bias, as in the port.

    From `Multi-Context Attention for Human Pose Estimation` (Chu et al., CVPR 2017), the attention of the
    TensorFlow port ``wbenbihi/hourglasstensorlfow`` (``_attention_iter``: 3x3 unary conv, shared 1x1 kernel,
    3 iterations).

    Args:
        in_channels: channels of the attended features.
        num_maps: attention maps to produce.
        iterations: refinement steps (at least 1).
        kernel_size: size of the shared refinement kernel (odd).
    """

    def __init__(self, in_channels: int, num_maps: int = 1, iterations: int = 3, kernel_size: int = 1) -> None:
        super().__init__()
        if iterations < 1 or kernel_size % 2 == 0:
            raise ValueError(f'{type(self).__name__}: iterations must be >= 1 and kernel_size odd, got '
                             f'{iterations}, {kernel_size}')
        self.unary = nn.Conv2d(in_channels, num_maps, kernel_size=3, padding=1, bias=False)
        self.shared = nn.Conv2d(num_maps, num_maps, kernel_size, padding=kernel_size // 2, groups=num_maps,
                                bias=False)
        self.iterations = iterations

    def forward(self, x: Tensor) -> Tensor:
        unary = self.unary(x)
        maps = unary
        for _ in range(self.iterations):
            maps = torch.sigmoid(unary + self.shared(maps))
        return maps
