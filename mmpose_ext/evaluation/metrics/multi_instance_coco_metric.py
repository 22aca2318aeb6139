"""COCO-style keypoint metric for top-down models that predict several persons per box."""
from __future__ import annotations

from typing import Dict, List, Sequence

import numpy as np
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS


@METRICS.register_module()
class MultiInstanceCocoMetric(CocoMetric):
    """mmpose's ``CocoMetric`` where one box may carry N predicted persons (MIPNet).

    Stock ``CocoMetric`` keys every prediction by its box's annotation id and drops all but one prediction per
    id, and sizes the OKS-NMS area from a single box; with N poses per box that silently discards the secondary
    instances. Here each of the N poses becomes its own prediction keyed by ``(box id, instance index)``, with
    the box's area, and the stock rescoring (box score x mean keypoint confidence above
    ``keypoint_score_thr``) and NMS (``nms_mode``/``nms_thr``) then merge all poses of an image: OKS-NMS 0.9 for
    COCO and OCHuman, ``nms_mode='none'`` for CrowdPose, as the MIPNet reference does.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        **kwargs: the arguments of mmpose's ``CocoMetric``.
    """

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        start = len(self.results)
        super().process(data_batch, data_samples)
        split: List = []
        for pred, gt in self.results[start:]:
            for k in range(len(pred['keypoints'])):
                one = dict(pred, id=(pred['id'], k), keypoints=pred['keypoints'][k:k + 1],
                           keypoint_scores=pred['keypoint_scores'][k:k + 1],
                           bbox_scores=np.asarray(pred['bbox_scores'])[k:k + 1])
                if 'bbox' in pred:
                    one['bbox'] = pred['bbox'][k:k + 1]
                if 'areas' in pred:
                    one['areas'] = np.asarray(pred['areas'])[:1]
                split.append((one, gt))
        self.results[start:] = split

    def _sort_and_unique_bboxes(self, kpts: Dict[int, list], key: str = 'id') -> Dict[int, list]:
        """Sort each image's predictions by (box id, instance index) and drop exact repeats (as in
        multi-process testing), keeping every instance of a box."""
        for img_id, persons in kpts.items():
            persons = sorted(persons, key=lambda p: p[key])
            kpts[img_id] = [p for i, p in enumerate(persons) if i == 0 or p[key] != persons[i - 1][key]]
        return kpts
