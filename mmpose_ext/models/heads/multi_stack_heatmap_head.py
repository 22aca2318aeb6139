"""Head for backbones that output one heatmap set per stack (stacked hourglass): supervise all, decode the last."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor


@MODELS.register_module()
class MultiStackHeatmapHead(BaseHead):
    """Intermediate supervision of a multi-stack backbone whose stacks already produce heatmaps.

    ``forward(feats)`` returns the per-stack heatmaps unchanged, as a list (first to last stack). ``loss``
    supervises every stack against the same target with the same loss (target-weighted MSE by default) and
    sums the stacks into ``loss_kpt``; each stack's own value is logged as ``stack{k}_kpt`` (detached) and the
    accuracy ``acc_pose`` is the last stack's. ``predict`` decodes only the last stack, with mmpose's flip test
    (``flip_test``, ``flip_mode``, ``shift_heatmap`` in ``test_cfg``) as mmpose's ``HeatmapHead`` does.

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
        super().__init__(init_cfg=init_cfg)
        if num_stacks < 1:
            raise ValueError(f'{type(self).__name__}: num_stacks must be >= 1, got {num_stacks}')
        self.num_stacks = num_stacks
        self.out_channels = out_channels
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None

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
            _, avg_acc, _ = pose_pck_accuracy(output=to_numpy(stacks[-1]), target=to_numpy(gt_heatmaps),
                                              mask=to_numpy(weights) > 0)
            losses.update(acc_pose=torch.tensor(avg_acc, device=gt_heatmaps.device))
        return losses

    def predict(self, feats, batch_data_samples: Sequence, test_cfg: ConfigType = {}
                ) -> Union[List[InstanceData], Tuple[List[InstanceData], List[PixelData]]]:
        """Decode the last stack; with flip test, average it with the flipped input's last stack."""
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ValueError(f'{type(self).__name__}: flip test needs [features, flipped features], got '
                                 f'{type(feats).__name__}')
            plain, flipped = feats
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            flipped_heatmaps = flip_heatmaps(
                self.forward(flipped)[-1], flip_mode=test_cfg.get('flip_mode', 'heatmap'),
                flip_indices=flip_indices, shift_heatmap=test_cfg.get('shift_heatmap', False))
            heatmaps = (self.forward(plain)[-1] + flipped_heatmaps) * 0.5
        else:
            heatmaps = self.forward(feats)[-1]
        preds = self.decode(heatmaps)
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=hm) for hm in heatmaps.detach()]
        return preds
