"""COCO-style keypoint metrics for top-down models that predict several persons per box (MIPNet)."""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS

from .crowdpose_metric import CrowdPoseMetric


class MultiInstanceMixin:
    """Lets a COCO-style metric take N predicted persons per box (MIPNet); mix in before the metric class.

    Stock ``CocoMetric`` keeps one prediction per box annotation id and sizes the OKS-NMS area from one box,
    which silently discards (or crashes on) the secondary instances. With this mixin all N poses of a box are
    kept, each with the box's area, and repeats are removed only when the same box was evaluated twice (as
    happens with multi-process padding). The metric's own rescoring (box score x mean keypoint confidence above
    ``keypoint_score_thr``) and NMS (``nms_mode``/``nms_thr``) then merge all poses of an image.
    """

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        # one result per box (the runner truncates the collected results to the number of boxes)
        start = len(self.results)
        super().process(data_batch, data_samples)
        for pred, _ in self.results[start:]:
            if 'areas' in pred:
                pred['areas'] = np.repeat(np.asarray(pred['areas'])[:1], len(pred['keypoints']))

    def _sort_and_unique_bboxes(self, kpts: Dict[int, list], key: str = 'id') -> Dict[int, list]:
        """Sort each image's predictions by box id, keeping the lambda order within a box, and drop a box's
        poses only where they repeat exactly (the same box evaluated twice)."""
        for img_id, persons in kpts.items():
            seen, unique = set(), []
            for person in sorted(persons, key=lambda p: p[key]):
                signature = (person[key], float(person['bbox_score']), np.asarray(person['keypoints']).tobytes())
                if signature not in seen:
                    seen.add(signature)
                    unique.append(person)
            kpts[img_id] = unique
        return kpts


@METRICS.register_module()
class MultiInstanceCocoMetric(MultiInstanceMixin, CocoMetric):
    """mmpose's ``CocoMetric`` where one box may carry N predicted persons (see ``MultiInstanceMixin``).

    OKS-NMS 0.9 for COCO and OCHuman, ``nms_mode='none'`` for CrowdPose, as the MIPNet reference does.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        **kwargs: the arguments of mmpose's ``CocoMetric``.
    """


@METRICS.register_module()
class MultiInstanceCrowdPoseMetric(MultiInstanceMixin, CrowdPoseMetric):
    """The official CrowdPose protocol (``CrowdPoseMetric``) for N predicted persons per box; MIPNet keeps every
    pose (``nms_mode='none'``, the default here), as its reference does on CrowdPose.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        **kwargs: the arguments of ``CrowdPoseMetric``.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault('nms_mode', 'none')
        super().__init__(**kwargs)
