"""CrowdPose from the official annotation files, checked at build time."""
from __future__ import annotations

from mmpose.datasets import CrowdPoseDataset
from mmpose.registry import DATASETS

from .common import CocoStyleChecksMixin, mmpose_metainfo


@DATASETS.register_module()
class CrowdPoseOfficialDataset(CocoStyleChecksMixin, CrowdPoseDataset):
    """CrowdPose (Li et al., "CrowdPose: Efficient Crowded Scenes Pose Estimation and A New Benchmark", CVPR 2019).

    Reads the official ``crowdpose_{train,val,test}.json`` as distributed (COCO layout, 14 keypoints, a
    ``crowdIndex`` per image); trainval is the concatenation of the train and val files (``ConcatDataset``).
    Everything of :class:`mmpose.datasets.CrowdPoseDataset` applies (top-down / bottom-up, ``bbox_file`` with
    detector boxes in test mode). Added on top, at build time:

    * the checks of :class:`~mmpose_ext.datasets.common.CocoStyleChecksMixin` (JSON, 42 keypoint values per
      person, no annotation id 0, every image present, detection file of the same split);
    * every image must carry ``crowdIndex`` and every person ``num_keypoints``. The file's ``num_keypoints``
      counts labelled joints among the 12 body joints only (head and neck excluded) and is kept as it is: the
      evaluation ignores persons with ``num_keypoints == 0`` even when their head and neck are labelled;
    * the metainfo is read from mmpose's installed ``crowdpose.py`` (not from a path relative to the working
      directory).

    Args:
        ann_file: e.g. ``'annotations/crowdpose_val.json'``.
        bbox_file: detection results, e.g. ``'annotations/det_for_crowd_test_0.1_0.5.json'`` (test mode only).
        check_files: check that every image exists (default ``True``).
        **kwargs: as :class:`mmpose.datasets.CrowdPoseDataset`.
    """

    METAINFO: dict = mmpose_metainfo('crowdpose.py')
    require_crowd_index = True
    require_num_keypoints = True
