"""CrowdPose's official AP protocol, equal to the crowdposetools evaluator."""
from __future__ import annotations

from typing import Any, Optional

from mmpose.registry import METRICS

from mmpose_ext.datasets.common import mmpose_metainfo
from .official_coco_metric import OfficialCocoMetric

_FIXED = dict(iou_type=('keypoints_crowd', 'iou_type="keypoints" counts labelled joints itself instead of the '
                                           'file\'s num_keypoints and has no easy/medium/hard split'),
              use_area=(False, 'CrowdPose has no "area"; the protocol uses bbox w * h * 0.53'))


@METRICS.register_module()
class CrowdPoseMetric(OfficialCocoMetric):
    """CrowdPose AP (Li et al., "CrowdPose: Efficient Crowded Scenes Pose Estimation and A New Benchmark", CVPR
    2019), as the official ``crowdposetools`` computes it (Jeff-sjtu/CrowdPose ``crowdpose-api``).

    Reports AP, AP .5, AP .75, AR, AR .5, AR .75 (OKS with crowdposetools' float64 sigmas, at most 20 detections per
    image) and AP(E), AP(M), AP(H) for easy, medium, hard (mmpose's names; images with ``crowdIndex`` < 0.2, < 0.8, the rest; rounded to 4
    decimals like the official tool). The protocol is fixed: ``iou_type='keypoints_crowd'`` and
    ``use_area=False`` (CrowdPose has no ``area``: ``use_area=True`` fails with ``KeyError`` in xtcocotools;
    ``iou_type='keypoints'`` changes AP). Persons are ignored by the file's ``num_keypoints`` (body joints
    only). Detections with all keypoint scores <= 0 are kept like crowdposetools does
    (``zero_score_detections``). No ``crowdposetools`` install is needed: the evaluation runs on xtcocotools
    with the official rules (:class:`OfficialRulesCOCOeval`); docs/data_preparation.md says how the equality
    with crowdposetools was checked.

    Args:
        ann_file: ``crowdpose_{val,test}.json`` as distributed; ``None`` takes the test dataset's file.
        metainfo: defaults to mmpose's CrowdPose metainfo (14 keypoints, sigmas), so that
            :meth:`evaluate_results_file` works without a runner.
        **kwargs: as :class:`OfficialCocoMetric`; ``iou_type`` and ``use_area`` cannot be changed.
    """

    default_prefix: Optional[str] = 'crowdpose'

    def __init__(self, ann_file: Optional[str] = None, metainfo: Optional[dict] = None, **kwargs: Any) -> None:
        for key, (value, why) in _FIXED.items():
            if key in kwargs and kwargs[key] != value:
                raise ValueError(f'CrowdPoseMetric: {key}={kwargs[key]!r} is not the CrowdPose protocol ({why}); '
                                 f'it is fixed to {value!r}')
            kwargs[key] = value
        super().__init__(ann_file=ann_file, metainfo=metainfo or mmpose_metainfo('crowdpose.py'), **kwargs)
