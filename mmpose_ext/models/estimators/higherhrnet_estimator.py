"""Bottom-up estimator and data pre-processor for HigherHRNet: batched flip and multi-scale test."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.utils import is_list_of
from mmpose.models.data_preprocessors import PoseDataPreprocessor
from mmpose.models.pose_estimators import BottomupPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import SampleList
from torch import Tensor


@MODELS.register_module()
class BottomupDataPreprocessor(PoseDataPreprocessor):
    """``PoseDataPreprocessor`` that also takes image pyramids (one list of images per sample, as
    ``BottomupResize``/``HigherHRNetResize`` with ``aug_scales`` produce).

    mmpose's pre-processor stacks one image per sample, so its multi-scale bottom-up test runs with batch 1 only.
    Here every scale is normalised and padded (bottom/right, to the largest image of that scale in the batch) on
    its own, giving a list of ``(B, 3, H_s, W_s)`` tensors, scale 1 first; ``batch_input_shape`` is scale 1's.
    The input is the collated layout: ``data['inputs']`` a list over scales of lists over samples.

    Args:
        **kwargs: as :class:`mmpose.models.data_preprocessors.PoseDataPreprocessor`.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        # mmengine's pseudo_collate turns per-sample pyramids into one list of samples per scale
        if not (isinstance(inputs, (list, tuple)) and inputs and isinstance(inputs[0], (list, tuple))):
            return super().forward(data, training)
        outputs = []
        samples = data.get('data_samples')
        for scale_inputs in reversed(inputs):  # scale 1 last, so the samples keep its batch_input_shape
            out = super().forward(dict(inputs=list(scale_inputs), data_samples=samples), training)
            samples = out['data_samples']
            outputs.insert(0, out['inputs'])
        return dict(inputs=outputs, data_samples=samples)


@MODELS.register_module()
class HigherHRNetEstimator(BottomupPoseEstimator):
    """mmpose's ``BottomupPoseEstimator`` whose test runs a whole batch at once.

    ``predict`` puts the original and flipped images of a batch through the backbone as one batch of 2B
    (``test_cfg.flip_batched``, default True) and runs the multi-scale test whenever the pipeline gives image
    pyramids (``aug_scales`` of ``HigherHRNetResize``; mmpose stacks them, which fails for different sizes), then hands the head the features in the layout of mmpose's estimator (per scale, per view), so any
    bottom-up head works; :class:`HigherHRNetHead` aggregates and decodes the whole batch. Training is mmpose's.

    From `HigherHRNet: Scale-Aware Representation Learning for Bottom-Up Human Pose Estimation` (Cheng et al.,
    CVPR 2020), test procedure.

    Args:
        **kwargs: as :class:`mmpose.models.pose_estimators.BottomupPoseEstimator`.
    """

    def _features(self, inputs: Tensor, flip: bool) -> Union[Tuple[Tensor, ...], List[Tuple[Tensor, ...]]]:
        if not flip:
            return self.extract_feat(inputs)
        if not self.test_cfg.get('flip_batched', True):
            return [self.extract_feat(inputs), self.extract_feat(inputs.flip(-1))]
        batch = inputs.shape[0]
        feats = self.extract_feat(torch.cat([inputs, inputs.flip(-1)]))
        return [tuple(f[:batch] for f in feats), tuple(f[batch:] for f in feats)]

    def predict(self, inputs: Union[Tensor, Sequence[Tensor]], data_samples: SampleList) -> SampleList:
        assert self.with_head, 'The model must have a head to predict.'
        flip = self.test_cfg.get('flip_test', False)
        # multi-scale test whenever the pipeline gives pyramids (aug_scales of the resize transform)
        multiscale = is_list_of(inputs, Tensor)
        if multiscale:
            feats = [self._features(x, flip) for x in inputs]
        else:
            feats = self._features(inputs, flip)
        test_cfg = dict(self.test_cfg)
        test_cfg['multiscale_test'] = multiscale
        preds = self.head.predict(feats, data_samples, test_cfg=test_cfg)
        if isinstance(preds, tuple):
            batch_pred_instances, batch_pred_fields = preds
        else:
            batch_pred_instances, batch_pred_fields = preds, None
        return self.add_pred_to_datasample(batch_pred_instances, batch_pred_fields, data_samples)

    def forward(self, inputs: Union[Tensor, List[Tensor]], data_samples: Optional[SampleList] = None,
                mode: str = 'tensor'):
        """mmpose's ``forward``, except that a list of 4-D batches (an image pyramid from
        :class:`BottomupDataPreprocessor`) is kept as a list instead of stacked."""
        pyramid = isinstance(inputs, (list, tuple)) and inputs and all(
            isinstance(x, Tensor) and x.dim() == 4 for x in inputs)
        if not pyramid:
            return super().forward(inputs, data_samples, mode)
        if mode == 'predict':
            if self.metainfo is not None:
                for data_sample in data_samples:
                    data_sample.set_metainfo(self.metainfo)
            return self.predict(list(inputs), data_samples)
        if mode == 'tensor':
            return self._forward(inputs[0])
        raise ValueError(f'{type(self).__name__}: image pyramids are for testing only, not mode={mode!r}')
