"""PoseFix: a top-down estimator that reads an image crop and an input pose, and returns the refined pose."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from torch import Tensor


def render_pose_gaussians(keypoints: Tensor, visible: Tensor, map_size: Tuple[int, int], sigma: float,
                          peak: float) -> Tensor:
    """One Gaussian per joint, ``peak * exp(-d^2 / (2 sigma^2))``, all zero for joints that are not visible.

    Args:
        keypoints: (B, K, 2) joint positions (x, y) in pixels of the map; pixel (i, j) is the point (i, j).
        visible: (B, K), > 0 where the joint has a position.
        map_size: (W, H).
        sigma: Gaussian standard deviation, pixels.
        peak: value at the joint.

    Returns:
        (B, K, H, W) maps on ``keypoints``' device and dtype.
    """
    width, height = map_size
    valid = visible > 0
    # invisible joints may carry any coordinates (NaN, far away); park them at 0 so they cannot leak NaN
    keypoints = torch.where(valid.unsqueeze(-1), keypoints, torch.zeros_like(keypoints))
    xs = torch.arange(width, dtype=keypoints.dtype, device=keypoints.device)
    ys = torch.arange(height, dtype=keypoints.dtype, device=keypoints.device)
    # the 2-D Gaussian is separable:
    # (B, K, 1, W) row times (B, K, H, 1) column; the peak and the validity go into the small column so that
    # the full-size maps are written once (this halved the CPU time per sample)
    scale = valid.to(keypoints.dtype) * peak
    gauss_x = torch.exp(-(xs - keypoints[..., 0:1]) ** 2 / (2 * sigma ** 2)).unsqueeze(-2)
    gauss_y = (torch.exp(-(ys - keypoints[..., 1:2]) ** 2 / (2 * sigma ** 2)) * scale[..., None]).unsqueeze(-1)
    return gauss_y * gauss_x


@MODELS.register_module()
class PoseFix(TopdownPoseEstimator):
    """mmpose's top-down estimator with the input pose rendered as K extra input channels.

    Each data sample's metainfo carries the input pose in pixels of the model input
    (``input_keypoints`` (1, K, 2), ``input_keypoints_visible`` (1, K), set by ``SynthesizePoseErrors`` at
    training and ``SetInputPose`` at test time and packed by ``PackPoseInputs``). The estimator renders one
    Gaussian per joint on the model's device, concatenates the K maps to the normalised image and runs the
    backbone (3 + K input channels, e.g. ``PoseFixResNet``) and head (``PoseFixHead``). With no data samples
    (``mode='tensor'``) the pose channels are zeros.

    Map peak: the reference fed mean-subtracted 0..255 images with 0..255 maps, i.e. a map peak equal to the
    image's dynamic range, so both parts of conv1's input have the same magnitude. mmpose's
    ``PoseDataPreprocessor`` divides images by ``std`` (~58), so the same balance needs a peak of
    ``255 / std`` (~4.4); that is the default (255 when the preprocessor does not normalise). A peak of 1.0
    would make the pose channels ~4.4x weaker, relative to the image, than in the reference.

    Flip test: the image is flipped, and so is the pose: its maps are mirrored and the left/right channels
    swapped by ``flip_indices``, which equals rendering the flipped, swapped pose (``x' = W - 1 - x``) since
    the pixel grid is symmetric. The head averages the two crops' coordinates. Predictions are mmpose's
    ``pred_instances`` in image coordinates, with ``bboxes`` / ``bbox_scores`` copied from ``gt_instances``.

    From `PoseFix: Model-agnostic General Human Pose Refinement Network` (Moon, Chang and Lee, CVPR 2019).

    Args:
        input_pose_sigma: Gaussian sigma of the input-pose maps in input pixels (reference: 7 at 256x192,
            9 at 384x288).
        input_pose_peak: value of a map at its joint; ``None``: ``255 / mean(data_preprocessor.std)``.
        **kwargs: the arguments of mmpose's ``TopdownPoseEstimator`` (``backbone``, ``head``, ``test_cfg``
            with ``flip_test`` / ``shift_coords``, ``data_preprocessor``, ...).
    """

    def __init__(self, input_pose_sigma: float, input_pose_peak: Optional[float] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if not self.with_head:
            raise ValueError('PoseFix needs a head: its out_channels give the number of input-pose channels')
        if input_pose_sigma <= 0:
            raise ValueError(f'PoseFix: input_pose_sigma must be > 0, got {input_pose_sigma}')
        self.num_keypoints = int(self.head.out_channels)
        backbone_pose_channels = getattr(self.backbone, 'num_pose_channels', self.num_keypoints)
        if backbone_pose_channels != self.num_keypoints:
            raise ValueError(f'PoseFix: the backbone takes {backbone_pose_channels} pose channels but the head '
                             f'predicts {self.num_keypoints} joints; set num_pose_channels = out_channels')
        self.input_pose_sigma = float(input_pose_sigma)
        if input_pose_peak is None:
            std = getattr(self.data_preprocessor, 'std', None)
            input_pose_peak = 255.0 / float(std.float().mean()) if std is not None else 255.0
        self.input_pose_peak = float(input_pose_peak)

    def render_input_pose(self, inputs: Tensor, data_samples: Optional[Sequence]) -> Tensor:
        """The (B, K, H, W) input-pose maps for the batch ``inputs`` (B, C, H, W); zeros without samples."""
        batch, _, height, width = inputs.shape
        if data_samples is None:
            return inputs.new_zeros(batch, self.num_keypoints, height, width)
        keypoints, visible = [], []
        for sample in data_samples:
            meta = sample.metainfo
            if 'input_keypoints' not in meta or 'input_keypoints_visible' not in meta:
                raise KeyError(f'PoseFix: data sample of {meta.get("img_path", "?")} (id {meta.get("id", "?")}) '
                               'has no input_keypoints / input_keypoints_visible; add SynthesizePoseErrors or '
                               'SetInputPose to the pipeline and both keys to PackPoseInputs meta_keys')
            points = np.asarray(meta['input_keypoints'], dtype=np.float32).reshape(-1, 2)
            flags = np.asarray(meta['input_keypoints_visible'], dtype=np.float32).reshape(-1)
            if len(points) != self.num_keypoints or len(flags) != self.num_keypoints:
                raise ValueError(f'PoseFix: {meta.get("img_path", "?")} (id {meta.get("id", "?")}) has an input '
                                 f'pose of {len(points)} joints / {len(flags)} flags, the model takes '
                                 f'{self.num_keypoints}')
            if not np.isfinite(points[flags > 0]).all():
                raise ValueError(f'PoseFix: {meta.get("img_path", "?")} (id {meta.get("id", "?")}) has non-finite '
                                 f'input_keypoints for joints marked valid: {points.tolist()}')
            keypoints.append(points)
            visible.append(flags)
        keypoints = torch.from_numpy(np.stack(keypoints)).to(device=inputs.device, dtype=inputs.dtype)
        visible = torch.from_numpy(np.stack(visible)).to(device=inputs.device, dtype=inputs.dtype)
        return render_pose_gaussians(keypoints, visible, (width, height), self.input_pose_sigma,
                                     self.input_pose_peak)

    def loss(self, inputs: Tensor, data_samples: Sequence) -> dict:
        """The head's losses on the image with the training input pose (from the synthesis)."""
        return super().loss(self._with_pose(inputs, data_samples), data_samples)

    def predict(self, inputs: Tensor, data_samples: Sequence) -> Sequence:
        """Refined poses in image coordinates, with flip test as ``test_cfg['flip_test']`` says."""
        pose_maps = self.render_input_pose(inputs, data_samples)
        feats = self.extract_feat(torch.cat([inputs, pose_maps], dim=1))
        if self.test_cfg.get('flip_test', False):
            flip_indices = list(data_samples[0].metainfo['flip_indices'])
            flipped = torch.cat([inputs.flip(-1), pose_maps.flip(-1)[:, flip_indices]], dim=1)
            feats = [feats, self.extract_feat(flipped)]
        preds = self.head.predict(feats, data_samples, test_cfg=self.test_cfg)
        pred_instances, pred_fields = preds if isinstance(preds, tuple) else (preds, None)
        return self.add_pred_to_datasample(pred_instances, pred_fields, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[Sequence] = None) -> Tensor:
        """Raw head maps (``mode='tensor'``); the pose channels are zeros when no samples are given."""
        return super()._forward(self._with_pose(inputs, data_samples))

    def _with_pose(self, inputs: Tensor, data_samples: Optional[Sequence]) -> Tensor:
        return torch.cat([inputs, self.render_input_pose(inputs, data_samples)], dim=1)
