"""Head for backbones that output one heatmap set per stack (stacked hourglass): supervise all, decode the last."""
from __future__ import annotations

from typing import List, Optional, Sequence

import torch
from mmpose.models.heads import CPMHead
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor

from .batched_heatmap_decode import heatmap_pck_accuracy


@MODELS.register_module()
class MultiStackHeatmapHead(CPMHead):
    """Intermediate supervision of a multi-stack backbone whose stacks already produce heatmaps.

    This is mmpose's ``CPMHead(num_stages=N, deconv_out_channels=None, final_layer=None)`` (identity layers, no
    parameters of its own, so checkpoints are unchanged), whose ``predict`` (decode the last stack, mmpose's flip
    test with ``flip_test``, ``flip_mode``, ``shift_heatmap`` in ``test_cfg``) is used as is. It adds what the
    hourglass and FPD configs need: ``forward`` checks the number of stacks and their channels with a message
    saying which config entries disagree (``CPMHead`` asserts); ``loss`` checks the target shape, logs each
    stack's value as ``stack{k}_kpt`` (detached), honours ``train_cfg.compute_acc`` and computes the accuracy
    in float32 (numpy has no bfloat16). The stacks' losses are summed into ``loss_kpt`` as in ``CPMHead``.

    From `Stacked Hourglass Networks for Human Pose Estimation` (Newell et al., ECCV 2016), intermediate
    supervision; also the per-stack loss of `Fast Human Pose Estimation` (Zhang et al., CVPR 2019).

    Args:
        num_stacks: number of heatmap sets the backbone outputs.
        out_channels: keypoints per heatmap set; when given, every stack is checked against it (and tools read
            the number of keypoints from it).
        loss: the loss applied to every stack.
        decoder: the codec that decodes the last stack's heatmaps.
        init_cfg: mmengine initialisation config (the head has no parameters of its own).
    """

    def __init__(self, num_stacks: int, out_channels: Optional[int] = None,
                 loss: ConfigType = dict(type='KeypointMSELoss', use_target_weight=True),
                 decoder: OptConfigType = None, init_cfg: OptMultiConfig = None) -> None:
        if num_stacks < 1:
            raise ValueError(f'{type(self).__name__}: num_stacks must be >= 1, got {num_stacks}')
        super().__init__(in_channels=out_channels, out_channels=out_channels, num_stages=num_stacks,
                         deconv_out_channels=None, final_layer=None, loss=loss, decoder=decoder,
                         init_cfg=init_cfg)

    @property
    def num_stacks(self) -> int:
        return self.num_stages

    def forward(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """The per-stack heatmaps, checked for their number (and channels when ``out_channels`` is set)."""
        if not isinstance(feats, (list, tuple)) or len(feats) != self.num_stacks:
            got = f'{len(feats)} tensors' if isinstance(feats, (list, tuple)) else type(feats).__name__
            raise ValueError(f'{type(self).__name__}: expected the {self.num_stacks} per-stack heatmaps of the '
                             f'backbone, got {got}; backbone num_stacks and head num_stacks must agree')
        if self.out_channels is not None:
            channels = [f.shape[1] for f in feats]
            if any(c != self.out_channels for c in channels):
                raise ValueError(f'{type(self).__name__}: every stack must have out_channels={self.out_channels} '
                                 f'heatmaps, got {channels}; backbone and head out_channels must agree')
        return list(feats)

    def loss(self, feats: Sequence[Tensor], batch_data_samples: Sequence, train_cfg: ConfigType = {}) -> dict:
        """Sum over stacks of each stack's loss against the shared target, per-stack values and accuracy."""
        stacks = self.forward(feats)
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        if gt_heatmaps.shape[1:] != stacks[-1].shape[1:]:
            raise ValueError(f'{type(self).__name__}: targets of shape {tuple(gt_heatmaps.shape[1:])} do not match '
                             f'the heatmaps {tuple(stacks[-1].shape[1:])}; check the codec heatmap_size and joints')
        per_stack = [self.loss_module(pred, gt_heatmaps, weights) for pred in stacks]
        losses = dict(loss_kpt=sum(per_stack))
        # logged only: the key must not contain 'loss', or mmengine would add it to the total a second time
        losses.update({f'stack{k}_kpt': value.detach() for k, value in enumerate(per_stack)})
        if train_cfg.get('compute_acc', True):
            # mmpose's pose_pck_accuracy on the device: no copy of the heatmaps to the host, no sync per step
            losses.update(acc_pose=heatmap_pck_accuracy(stacks[-1].detach().float(), gt_heatmaps.float(), weights))
        return losses
