"""Newell's stacked hourglass network with intermediate supervision (not mmpose's CornerNet-style HourglassNet)."""
from __future__ import annotations

from typing import Optional, Tuple

from mmpose.models.backbones.base_backbone import BaseBackbone
from mmpose.registry import MODELS
from mmpose.utils.typing import OptMultiConfig
from torch import Tensor, nn

from .hourglass_module import HourglassModule, residual_group
from .iterative_attention import IterativeAttention
from .preact_bottleneck import PreActBottleneck


def conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    """1x1 conv (with bias), BatchNorm, ReLU: the per-stack feature layer."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


@MODELS.register_module()
class StackedHourglass(BaseBackbone):
    """Stacked hourglass: a stem, then ``num_stacks`` hourglasses, each followed by its own joint heatmaps.

    Stem (input 1/4 after it): 7x7/2 conv (3 -> stem_channels) + BN + ReLU, residual to 2 x stem_channels,
    2x2 max pooling, residual to ``channels``, residual at ``channels``. Each stack: hourglass, dropout
    (``drop_rate``), ``num_blocks`` residuals, 1x1 conv + BN + ReLU giving features ``y``, 1x1 conv giving the
    stack's heatmaps ``score``. Between stacks the features are merged as ``x = x + fc_(y) + score_(score)``
    (1x1 convs), so every stack refines the previous one's estimate. The heatmap convs live here because they
    feed the merge; a ``MultiStackHeatmapHead`` supervises and decodes them.

    ``mobile`` makes every 3x3 conv of the residuals depthwise (the stem's 7x7 stays a full conv), as the
    unofficial Fast Pose Distillation student ``hg_s2_b1_mobile``. ``tiny``, ``drop_rate`` and ``attention``
    follow the TensorFlow port (wbenbihi/hourglasstensorlfow): ``tiny`` uses single-conv residuals, drops the
    stem's last residual and merges ``y`` directly instead of ``fc_(y)``; ``drop_rate`` is dropout on each
    hourglass output during training; ``attention`` gates each stack's features by a holistic attention map,
    and in the second half of the stacks (and the last) gates each joint's heatmap by its own part attention
    map (multi-context attention, see ``IterativeAttention``).

    From `Stacked Hourglass Networks for Human Pose Estimation` (Newell et al., ECCV 2016); layer layout and
    widths as in bearpaw/pytorch-pose and the Fast Pose Distillation code (Zhang et al., CVPR 2019).

    Args:
        num_stacks: number of hourglasses (``nStack``).
        channels: feature channels of the hourglasses (``nFeat``); residual bottlenecks are half as wide.
        depth: poolings per hourglass (``nLow``).
        num_blocks: residuals per hourglass branch and level, and after each hourglass.
        out_channels: joints, i.e. heatmap channels of every stack (``outputDim``).
        mobile: depthwise 3x3 convs in every residual.
        drop_rate: dropout probability on each hourglass output (``drop_rate``).
        attention: multi-context attention on each stack's output (``attention``).
        tiny: the TensorFlow port's tiny hourglass (``tiny``); cannot be combined with ``mobile``.
        stem_channels: channels of the 7x7 stem conv; ``channels // 4`` by default (64 for 256 channels).
        init_cfg: mmengine initialisation config; None keeps PyTorch's default initialisation, as the
            reference implementations.
    """

    def __init__(self, num_stacks: int = 8, channels: int = 256, depth: int = 4, num_blocks: int = 1,
                 out_channels: int = 16, mobile: bool = False, drop_rate: float = 0.0, attention: bool = False,
                 tiny: bool = False, stem_channels: Optional[int] = None, init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if num_stacks < 1 or depth < 1 or num_blocks < 1 or out_channels < 1:
            raise ValueError(f'{name}: num_stacks, depth, num_blocks and out_channels must be >= 1, got '
                             f'{num_stacks}, {depth}, {num_blocks}, {out_channels}')
        if channels < 4 or channels % 4:
            raise ValueError(f'{name}: channels must be a positive multiple of 4, got {channels}')
        if not 0.0 <= drop_rate < 1.0:
            raise ValueError(f'{name}: drop_rate must be in [0, 1), got {drop_rate}')
        if mobile and tiny:
            raise ValueError(f'{name}: mobile (depthwise bottlenecks) and tiny (single full 3x3 conv residuals) '
                             'are alternatives; set one of them')
        stem_channels = channels // 4 if stem_channels is None else stem_channels
        if stem_channels < 1:
            raise ValueError(f'{name}: stem_channels must be >= 1, got {stem_channels}')
        self.num_stacks = num_stacks
        self.tiny = tiny
        self.attention = attention

        def residual(in_channels: int, out: int) -> PreActBottleneck:
            return PreActBottleneck(in_channels, out, depthwise=mobile, tiny=tiny)

        stem = [nn.Conv2d(3, stem_channels, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(stem_channels),
                nn.ReLU(inplace=True), residual(stem_channels, 2 * stem_channels), nn.MaxPool2d(2, stride=2),
                residual(2 * stem_channels, channels)]
        if not tiny:
            stem.append(residual(channels, channels))
        self.stem = nn.Sequential(*stem)

        self.hourglasses = nn.ModuleList(
            HourglassModule(depth, channels, num_blocks, depthwise=mobile, tiny=tiny) for _ in range(num_stacks))
        self.dropout = nn.Dropout(drop_rate) if drop_rate > 0 else nn.Identity()
        self.features = nn.ModuleList(
            nn.Sequential(residual_group(channels, num_blocks, mobile, tiny), conv_bn_relu(channels, channels))
            for _ in range(num_stacks))
        self.scores = nn.ModuleList(nn.Conv2d(channels, out_channels, 1) for _ in range(num_stacks))
        # tiny adds the features themselves in the merge, without the 1x1 conv
        self.feature_merges = nn.ModuleList(
            nn.Identity() if tiny else nn.Conv2d(channels, channels, 1) for _ in range(num_stacks - 1))
        self.score_merges = nn.ModuleList(nn.Conv2d(out_channels, channels, 1) for _ in range(num_stacks - 1))
        if attention:
            self.holistic_attention = nn.ModuleList(IterativeAttention(channels, 1) for _ in range(num_stacks))
            self.part_attention = nn.ModuleDict({
                str(i): IterativeAttention(channels, out_channels) for i in range(num_stacks)
                if i > num_stacks // 2 or i == num_stacks - 1})

    def train(self, mode: bool = True) -> 'StackedHourglass':
        # mmpose's BaseBackbone.train returns None, which breaks ``net.eval()`` chains; nn.Module returns self
        super().train(mode)
        return self

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Heatmaps of every stack, first to last, each (B, out_channels, H/4, W/4)."""
        x = self.stem(x)
        heatmaps = []
        for i in range(self.num_stacks):
            y = self.features[i](self.dropout(self.hourglasses[i](x)))
            if self.attention:
                y = y * self.holistic_attention[i](y)
            score = self.scores[i](y)
            if self.attention and str(i) in self.part_attention:
                # the port convolves each joint's gated features (y * Q_k) to one map; for a 1x1 conv that is
                # Q_k times the 1x1 conv of y, computed here for all joints at once (plus the score's bias)
                score = score * self.part_attention[str(i)](y)
            heatmaps.append(score)
            if i < self.num_stacks - 1:
                x = x + self.feature_merges[i](y) + self.score_merges[i](score)
        return tuple(heatmaps)
