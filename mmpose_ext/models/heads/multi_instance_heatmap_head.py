"""Heatmap head for backbones that output N instances per crop (MIPNet)."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS
from torch import Tensor

from .batched_heatmap_decode import batched_msra_decode, heatmap_pck_accuracy


@MODELS.register_module()
class MultiInstanceHeatmapHead(HeatmapHead):
    """mmpose's ``HeatmapHead`` on features stacked instance-major: row ``k * B + b`` is crop ``b``, instance ``k``.

    Training: each crop's target holds the N instances' heatmaps as ``N * K`` channels (instance-major) and
    ``N * K`` keypoint weights (see ``GenerateMultiInstanceTarget``); each instance's output is supervised only
    by its own instance's target, with target weights; loss and accuracy are computed in float32 whatever the
    autocast dtype. Prediction: the N decoded poses of a crop are returned
    together as one ``InstanceData`` of N instances, in lambda order, with ``instance_ids`` 0..N-1.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        num_instances: N, the number of instances per crop (must match the backbone's).
        batched_decode: decode MSRA heatmaps for the whole batch on their device (:func:`batched_msra_decode`);
            False: mmpose's per-sample numpy decoding (same results, N times the host work).
        **kwargs: the arguments of mmpose's ``HeatmapHead``.
    """

    def __init__(self, num_instances: int = 2, batched_decode: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_instances = num_instances
        self.batched_decode = batched_decode

    def _check_rows(self, rows: int, batch_size: int) -> None:
        if rows != self.num_instances * batch_size:
            raise ValueError(f'{type(self).__name__}: expected {self.num_instances} x {batch_size} feature rows '
                             f'(instances x crops), got {rows}; backbone and head num_instances must agree')

    def _instance_major(self, per_crop: Tensor) -> Tensor:
        """(B, N * K, ...) per-crop targets -> (N * B, K, ...) rows aligned with the outputs."""
        batch_size = per_crop.shape[0]
        grouped = per_crop.reshape(batch_size, self.num_instances, -1, *per_crop.shape[2:])
        return grouped.transpose(0, 1).reshape(self.num_instances * batch_size, -1, *per_crop.shape[2:])

    def loss(self, feats: Tuple[Tensor], batch_data_samples: Sequence, train_cfg: dict = {}) -> dict:
        """Target-weighted heatmap loss of every instance against its own target, and the pose accuracy."""
        pred = self.forward(feats)
        self._check_rows(pred.shape[0], len(batch_data_samples))
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        expected = self.num_instances * pred.shape[1]
        if gt_heatmaps.shape[1] != expected or weights.shape[-1] != expected:
            raise ValueError(f'{type(self).__name__}: each crop needs {self.num_instances} x {pred.shape[1]} target '
                             f'channels and weights, got {gt_heatmaps.shape[1]} and {weights.shape[-1]}; use '
                             f'GenerateMultiInstanceTarget with the same number of instances')
        gt_heatmaps, weights = self._instance_major(gt_heatmaps), self._instance_major(weights)
        # float32 under AMP too: the loss is a mean over millions of squared differences
        pred = pred.float()
        losses = dict(loss_kpt=self.loss_module(pred, gt_heatmaps, weights))
        if train_cfg.get('compute_acc', True):  # mmpose's pose_pck_accuracy, without copying 2N heatmaps to the host
            losses.update(acc_pose=heatmap_pck_accuracy(pred, gt_heatmaps, weights))
        return losses

    def decode(self, batch_outputs: Tensor) -> List[InstanceData]:
        """One pose per heatmap row; MSRA heatmaps are decoded for the whole batch on their device
        (:func:`batched_msra_decode`, equal to mmpose's per-sample numpy decoding), other codecs by mmpose."""
        decoded = batched_msra_decode(batch_outputs, self.decoder) \
            if self.batched_decode and isinstance(batch_outputs, Tensor) else None
        if decoded is None:
            return super().decode(batch_outputs)
        keypoints, scores = decoded
        return [InstanceData(keypoints=k, keypoint_scores=s) for k, s in zip(keypoints, scores)]

    def predict(self, feats, batch_data_samples: Sequence, test_cfg: dict = {}
                ) -> Union[List[InstanceData], Tuple[List[InstanceData], List[PixelData]]]:
        """Decode every instance (with flip test as configured) and group the N poses of each crop."""
        outputs = super().predict(feats, batch_data_samples, test_cfg)
        preds, fields = outputs if isinstance(outputs, tuple) else (outputs, None)
        batch_size = len(batch_data_samples)
        self._check_rows(len(preds), batch_size)
        grouped = []
        for b in range(batch_size):
            rows = [preds[k * batch_size + b] for k in range(self.num_instances)]
            instances = InstanceData.cat(rows)
            instances.instance_ids = torch.arange(self.num_instances).numpy()
            grouped.append(instances)
        if fields is None:
            return grouped
        grouped_fields = [
            PixelData(heatmaps=torch.cat([fields[k * batch_size + b].heatmaps for k in range(self.num_instances)]))
            for b in range(batch_size)]
        return grouped, grouped_fields
