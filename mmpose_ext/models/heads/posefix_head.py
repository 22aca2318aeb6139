"""PoseFix's head: SimpleBaseline deconvolutions, then coordinates by soft-argmax (integral regression)."""
from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.heads import HeatmapHead
from mmpose.models.utils.tta import flip_coordinates, flip_heatmaps
from mmpose.registry import MODELS
from torch import Tensor

from .batched_heatmap_decode import coordinate_pck_accuracy


def soft_argmax_2d(heatmap_logits: Tensor) -> Tuple[Tensor, Tensor]:
    """Spatial softmax of each map and the expected pixel position under it.

    Args:
        heatmap_logits: (B, K, H, W) raw maps.

    Returns:
        (B, K, 2) expected (x, y) in map pixels (pixel (i, j) is the point (i, j)), and the (B, K, H, W)
        probability maps. Computed in float32 whatever the input dtype (a softmax over thousands of pixels
        in float16 loses the tails).
    """
    batch, joints, height, width = heatmap_logits.shape
    probs = torch.softmax(heatmap_logits.float().flatten(2), dim=-1).view(batch, joints, height, width)
    xs = torch.arange(width, dtype=probs.dtype, device=probs.device)
    ys = torch.arange(height, dtype=probs.dtype, device=probs.device)
    x = (probs.sum(dim=2) * xs).sum(dim=-1)
    y = (probs.sum(dim=3) * ys).sum(dim=-1)
    return torch.stack([x, y], dim=-1), probs


@MODELS.register_module()
class PoseFixHead(HeatmapHead):
    """mmpose's SimpleBaseline ``HeatmapHead`` whose maps are read out by soft-argmax, as PoseFix does.

    Three 4x4 stride-2 deconvolutions (256 channels, BN, ReLU) and a 1x1 convolution give one map per joint at
    1/4 of the input; :func:`soft_argmax_2d` turns each map into a coordinate. ``forward`` returns the raw
    maps; ``loss`` compares them with the ground truth through ``loss`` (:class:`PoseFixLoss` by default,
    targets in map pixels from the ``RegressionLabel`` codec's normalised ``keypoint_labels``); ``predict``
    returns coordinates decoded by ``decoder`` (``RegressionLabel`` with the model's input size).

    The map grid adapts to the input: map pixel ``i`` is input pixel ``i * input / map``, so any input size
    works without rebuilding the head. Flip test averages the coordinates of the original and the flipped
    crop (mmpose's ``flip_coordinates``: ``x' = W - 1 - x`` in input pixels, joints swapped).

    From `PoseFix: Model-agnostic General Human Pose Refinement Network` (Moon, Chang and Lee, CVPR 2019),
    head of `Simple Baselines for Human Pose Estimation and Tracking` (Xiao, Wu and Wei, ECCV 2018).

    Args:
        in_channels: channels of the backbone's last feature map (2048 for ResNet-50/101/152).
        out_channels: number of joints K.
        loss: loss config, called as ``loss(logits, coords, target_coords, target_weights)`` in map pixels
            and returning a dict of named terms.
        **kwargs: the other arguments of mmpose's ``HeatmapHead`` (``deconv_out_channels``,
            ``deconv_kernel_sizes``, ``decoder``, ``init_cfg``, ...).
    """

    def __init__(self, in_channels: int, out_channels: int, loss: dict = dict(type='PoseFixLoss'),
                 **kwargs) -> None:
        super().__init__(in_channels=in_channels, out_channels=out_channels, loss=loss, **kwargs)

    def loss(self, feats: Tuple[Tensor], batch_data_samples: Sequence, train_cfg: dict = {}) -> dict:
        """The loss terms of ``self.loss_module`` and the PCK accuracy (threshold 0.05 of the crop size)."""
        logits = self.forward(feats)
        self._check_map_size(logits, batch_data_samples)
        coords, _ = soft_argmax_2d(logits)
        height, width = logits.shape[-2:]
        labels = torch.cat([d.gt_instance_labels.keypoint_labels for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        if labels.shape[0] != len(batch_data_samples):
            raise ValueError(f'{type(self).__name__}: each crop must carry exactly one target pose '
                             f'(got {labels.shape[0]} for {len(batch_data_samples)} crops); reduce the extra '
                             'instances to instance 0 before GenerateTarget')
        map_size = labels.new_tensor([width, height])
        losses = dict(self.loss_module(logits, coords, labels * map_size, weights))
        if train_cfg.get('compute_acc', True):
            # mmpose's keypoint_pck_accuracy (norm_factor 1) on the device: no host sync per step
            losses['acc_pose'] = coordinate_pck_accuracy(coords.detach() / map_size, labels, weights, thr=0.05)
        return losses

    def predict(self, feats: Union[Tuple[Tensor], List[Tuple[Tensor]]], batch_data_samples: Sequence,
                test_cfg: dict = {}) -> Union[List[InstanceData], Tuple[List[InstanceData], List[PixelData]]]:
        """Coordinates in input pixels (one instance per crop); with ``flip_test`` ``feats`` is
        ``[original, flipped]`` and the two crops' coordinates are averaged."""
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ValueError(f'{type(self).__name__}: flip test needs [features, flipped features]')
            coords, probs = self._normalised_coords(feats[0])
            coords_flip, probs_flip = self._normalised_coords(feats[1])
            metainfo = batch_data_samples[0].metainfo
            coords_flip = flip_coordinates(coords_flip, flip_indices=metainfo['flip_indices'],
                                           shift_coords=test_cfg.get('shift_coords', True),
                                           input_size=metainfo['input_size'])
            probs_flip = flip_heatmaps(probs_flip, flip_mode='heatmap', flip_indices=metainfo['flip_indices'],
                                       shift_heatmap=False)
            coords, probs = (coords + coords_flip) * 0.5, (probs + probs_flip) * 0.5
        else:
            coords, probs = self._normalised_coords(feats)
        self._check_map_size(probs, batch_data_samples)
        preds = self.decode(coords.unsqueeze(1).detach())
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=p) for p in probs.detach()]
        return preds

    def _normalised_coords(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        """Soft-argmax coordinates as fractions of the map (= of the input) size, and the probability maps."""
        logits = self.forward(feats)
        coords, probs = soft_argmax_2d(logits)
        height, width = logits.shape[-2:]
        return coords / coords.new_tensor([width, height]), probs

    @staticmethod
    def _check_map_size(logits: Tensor, batch_data_samples: Sequence) -> None:
        """The maps must cover the input at one integer ratio: an input that is not a multiple of the
        backbone's stride (32 for ResNet) gives rounded-up maps whose pixels no longer sit at ``i * ratio``."""
        input_size = batch_data_samples[0].metainfo.get('input_size') if batch_data_samples else None
        if input_size is None:
            return
        (in_w, in_h), (map_h, map_w) = input_size, logits.shape[-2:]
        if in_w % map_w or in_h % map_h or in_w // map_w != in_h // map_h:
            raise ValueError(f'PoseFixHead: {map_w}x{map_h} maps do not cover the {in_w}x{in_h} input at one integer '
                             'ratio; use an input size that is a multiple of the backbone stride (32 for ResNet)')
