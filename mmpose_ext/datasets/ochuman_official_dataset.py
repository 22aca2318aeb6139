"""OCHuman from the official COCO-format files, checked at build time."""
from __future__ import annotations

from mmpose.datasets import OCHumanDataset
from mmpose.registry import DATASETS

from .common import CocoStyleChecksMixin, mmpose_metainfo


@DATASETS.register_module()
class OCHumanOfficialDataset(CocoStyleChecksMixin, OCHumanDataset):
    """OCHuman (Zhang et al., "Pose2Seg: Detection Free Human Instance Segmentation", CVPR 2019).

    Reads the official ``ochuman_coco_format_{val,test}_range_0.00_1.00.json`` (COCO layout, the 17 COCO
    keypoints). OCHuman has no training split: it is evaluated with COCO-trained models, with ground-truth boxes
    (default) or with a person-detection file (``bbox_file``, test mode). Image ids do not match the file names.
    Adds the build-time checks of :class:`~mmpose_ext.datasets.common.CocoStyleChecksMixin` to
    :class:`mmpose.datasets.OCHumanDataset` and reads mmpose's installed ``ochuman.py`` metainfo.

    Args:
        ann_file: e.g. ``'annotations/ochuman_coco_format_val_range_0.00_1.00.json'``.
        bbox_file: optional detection results for the same split (test mode only).
        check_files: check that every image exists (default ``True``).
        **kwargs: as :class:`mmpose.datasets.OCHumanDataset`.
    """

    METAINFO: dict = mmpose_metainfo('ochuman.py')
