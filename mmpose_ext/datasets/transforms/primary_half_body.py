"""Half-body augmentation for multi-instance crops."""
from __future__ import annotations

from typing import Dict, Optional

from mmpose.datasets.transforms import RandomHalfBody
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PrimaryRandomHalfBody(RandomHalfBody):
    """mmpose's ``RandomHalfBody`` decided by the box's own person (instance 0) only.

    With ``MultiInstanceDataset`` a sample carries N persons but one box; the stock transform would make one box
    per person. Here the half-body box comes from the primary person, as in the MIPNet reference, and the other
    instances simply follow the new crop.

    Args:
        **kwargs: the arguments of mmpose's ``RandomHalfBody``.
    """

    def transform(self, results: Dict) -> Optional[Dict]:
        keypoints, visible = results['keypoints'], results['keypoints_visible']
        results['keypoints'], results['keypoints_visible'] = keypoints[:1], visible[:1]
        try:
            results = super().transform(results)
        finally:
            results['keypoints'], results['keypoints_visible'] = keypoints, visible
        return results
