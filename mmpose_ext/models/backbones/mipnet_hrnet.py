"""HRNet with lambda-conditioned Multi-Instance Modulation Blocks (MIPNet)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmpose.models.backbones import HRNet
from mmpose.models.backbones.resnet import get_expansion
from mmpose.registry import MODELS
from torch import Tensor, nn

from .multi_instance_modulation import MultiInstanceModulation

# Where a block can sit: the inputs of stage 2, 3 or 4 (one block per branch), or the final high-resolution
# feature. The reference's SE_MODULES flags [stage1_se, stage2_se, stage3_se, stage4_se] are these four, in order.
HOOK_POINTS = ('stage2', 'stage3', 'stage4', 'final')


@MODELS.register_module()
class MIPNetHRNet(HRNet):
    """HRNet whose output depends on an instance selector lambda: N poses per crop, one per lambda.

    The network returns its features for all ``num_instances`` values of lambda at once, stacked
    instance-major along the batch: output row ``k * B + b`` is crop ``b`` with lambda ``k`` (one-hot
    ``e_k``). Lambda 0 is the person whose box defines the crop (the paper's convention).

    With ``shared_prefix=True`` everything before the first block, which does not depend on lambda, runs once
    per crop and only the rest runs for the N instances. That is mathematically the reference's duplicated
    batch (``shared_prefix=False``): the duplicates carry identical activations, so BatchNorm sees the same
    statistics and the prefix receives the same summed gradient.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        extra: HRNet stage configuration, as for mmpose's ``HRNet``.
        num_instances: N, the number of persons predicted per crop (2 in every published run).
        mimb_at: hook points that get a block, from ``('stage2', 'stage3', 'stage4', 'final')``. Default: the
            inputs of stage 4 and the final feature, as in every published run.
        mimb_reduction: hidden-width reduction of each block.
        shared_prefix: compute the lambda-independent prefix once per crop.
        **kwargs: the remaining arguments of mmpose's ``HRNet``.
    """

    def __init__(self, extra: Dict, num_instances: int = 2, mimb_at: Sequence[str] = ('stage4', 'final'),
                 mimb_reduction: int = 4, shared_prefix: bool = True, init_cfg: Optional[List[Dict]] = None,
                 **kwargs) -> None:
        if init_cfg is None:
            init_cfg = [dict(type='Normal', std=0.001, layer=['Conv2d', 'Linear']),
                        dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]
        super().__init__(extra, init_cfg=init_cfg, **kwargs)
        unknown = sorted(set(mimb_at) - set(HOOK_POINTS))
        if unknown or not mimb_at:
            raise ValueError(f'mimb_at must be a non-empty subset of {HOOK_POINTS}, got {tuple(mimb_at)}')
        if num_instances < 1:
            raise ValueError(f'num_instances must be >= 1, got {num_instances}')
        self.num_instances = num_instances
        self.mimb_at = tuple(p for p in HOOK_POINTS if p in mimb_at)
        self.shared_prefix = shared_prefix
        self.mimb = nn.ModuleDict({
            point: nn.ModuleList(MultiInstanceModulation(c, num_instances, mimb_reduction)
                                 for c in self._hook_channels(point))
            for point in self.mimb_at})

    def _hook_channels(self, point: str) -> List[int]:
        stage_cfg = self.extra['stage4' if point == 'final' else point]
        expansion = get_expansion(self.blocks_dict[stage_cfg['block']])
        channels = [c * expansion for c in stage_cfg['num_channels']]
        return channels[:1] if point == 'final' else channels

    def lambda_codes(self, batch_size: int, like: Tensor) -> Tensor:
        """One-hot lambda codes (N * B, N) in the instance-major order of the outputs."""
        eye = torch.eye(self.num_instances, dtype=like.dtype, device=like.device)
        # not eye.repeat_interleave(batch_size): under jit tracing (the GFLOPs count) batch_size is a CPU tensor,
        # and repeat_interleave builds its gather index on that tensor's device, so a CUDA model mixed devices
        return eye[:, None, :].expand(-1, batch_size, -1).reshape(-1, self.num_instances)

    def _expand(self, features: List[Tensor]) -> List[Tensor]:
        return [torch.cat([f] * self.num_instances) for f in features]

    def _modulate(self, point: str, features: List[Tensor], lambdas: Tensor) -> List[Tensor]:
        return [block(f, lambdas) for block, f in zip(self.mimb[point], features)]

    @staticmethod
    def _transition(layers: nn.ModuleList, y_list: List[Tensor]) -> List[Tensor]:
        # as mmpose's HRNet: new or re-channelled branches are computed from the lowest-resolution output
        return [y_list[i] if layer is None else layer(y_list[-1]) for i, layer in enumerate(layers)]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Features of every crop for every lambda: a tuple of (N * B, C, H, W) tensors."""
        batch_size = x.shape[0]
        lambdas = self.lambda_codes(batch_size, x)
        expanded = not self.shared_prefix
        if expanded:
            x = torch.cat([x] * self.num_instances)

        x = self.relu(self.norm1(self.conv1(x)))
        x = self.relu(self.norm2(self.conv2(x)))
        y_list = [self.layer1(x)]
        for point, transition, stage in (('stage2', self.transition1, self.stage2),
                                         ('stage3', self.transition2, self.stage3),
                                         ('stage4', self.transition3, self.stage4)):
            x_list = self._transition(transition, y_list)
            if point in self.mimb:
                if not expanded:
                    x_list, expanded = self._expand(x_list), True
                x_list = self._modulate(point, x_list, lambdas)
            y_list = stage(x_list)

        if not expanded:
            y_list = self._expand(y_list)
        if 'final' in self.mimb:
            y_list = self._modulate('final', y_list[:1], lambdas) + list(y_list[1:])
        return tuple(y_list)
