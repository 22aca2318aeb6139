"""Top-down estimator that returns N poses per box (MIPNet)."""
from __future__ import annotations

from itertools import zip_longest
from typing import List, Optional

import numpy as np
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS


@MODELS.register_module()
class MIPNetEstimator(TopdownPoseEstimator):
    """mmpose's top-down estimator for a backbone and head that predict N persons per box.

    Every box yields N poses in lambda order (instance 0 is the box's own person). They are written to the box's
    data sample as N predicted instances, each with the box and a box score; the secondary instances' box score
    is multiplied by ``test_cfg['secondary_score_factor']`` (0.5, as the reference). Scoring
    (box score x mean keypoint confidence above 0.2) and OKS-NMS are left to the metric
    (``MultiInstanceCocoMetric``), as for any top-down model.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        **kwargs: the arguments of mmpose's ``TopdownPoseEstimator``; ``test_cfg`` may also hold
            ``secondary_score_factor``.
    """

    def add_pred_to_datasample(self, batch_pred_instances: List, batch_pred_fields: Optional[List],
                               batch_data_samples: List) -> List:
        if len(batch_pred_instances) != len(batch_data_samples):
            raise ValueError(f'{len(batch_pred_instances)} predictions for {len(batch_data_samples)} boxes')
        factor = float(self.test_cfg.get('secondary_score_factor', 0.5))
        keep = self.test_cfg.get('output_keypoint_indices', None)
        for pred, fields, sample in zip_longest(batch_pred_instances, batch_pred_fields or [],
                                                batch_data_samples):
            center, scale = sample.metainfo['input_center'], sample.metainfo['input_scale']
            size = sample.metainfo['input_size']
            pred.keypoints[..., :2] = pred.keypoints[..., :2] / size * scale + center - 0.5 * scale
            if 'keypoints_visible' not in pred:
                pred.keypoints_visible = pred.keypoint_scores
            if keep is not None:
                for key, value in pred.all_items():
                    if key.startswith('keypoint'):
                        pred.set_field(value[:, keep], key)

            num = len(pred)
            gt = sample.gt_instances
            pred.bboxes = np.repeat(np.asarray(gt.bboxes)[:1], num, axis=0)
            decay = np.where(np.arange(num) == 0, 1.0, factor).astype(np.float32)
            pred.bbox_scores = np.asarray(gt.bbox_scores)[:1].astype(np.float32) * decay
            sample.pred_instances = pred
            if fields is not None:
                sample.pred_fields = fields
        return batch_data_samples
