"""PoseFix on MPII: training samples and the results to refine, from COCO-style MPII files (16 joints)."""
from __future__ import annotations

from typing import Any

from mmpose.registry import DATASETS

from .common import mmpose_metainfo
from .posefix_coco_dataset import PoseFixCocoDataset
from .posefix_results_dataset import PoseFixResultsDataset


@DATASETS.register_module()
class PoseFixMpiiDataset(PoseFixCocoDataset):
    """PoseFix (Moon, Chang and Lee, CVPR 2019) training samples on MPII Human Pose: a COCO-style MPII file (the
    reference's ``train.json``, or ``tools/dataset_converters/mpii_to_coco.py``'s) and an estimator's train-set
    results (16 joints x (x, y, score)).

    As :class:`PoseFixCocoDataset` with mmpose's MPII layout (16 joints in the official order, MPII's flip
    pairs). Unlike the reference, which reads COCO's sigmas and error-type table by joint index, the error
    synthesis uses MPII's own sigmas and places each joint in the table by its name (``SynthesizePoseErrors``).

    Args:
        **kwargs: as :class:`PoseFixCocoDataset`.
    """

    METAINFO: dict = mmpose_metainfo('mpii.py')


@DATASETS.register_module()
class PoseFixMpiiResultsDataset(PoseFixResultsDataset):
    """MPII poses to refine with PoseFix: any estimator's COCO-style results (``image_id``, ``keypoints`` 16 x
    (x, y, score), ``score``) on the images of a COCO-style MPII file.

    As :class:`PoseFixResultsDataset` with mmpose's MPII layout, strict: an entry of another layout (not 16 x 3
    keypoints), non-finite values or an unknown image id stop the build with one line naming the file and entry.

    Args:
        **kwargs: as :class:`PoseFixResultsDataset` (``strict`` defaults to ``True``).
    """

    METAINFO: dict = mmpose_metainfo('mpii.py')

    def __init__(self, *args: Any, strict: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, strict=strict, **kwargs)
