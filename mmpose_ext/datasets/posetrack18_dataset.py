"""PoseTrack18 for top-down training and testing, from the official COCO-style files, checked at build time."""
from __future__ import annotations

import logging
from typing import Any, List

from mmengine.logging import print_log
from mmpose.datasets import PoseTrack18Dataset
from mmpose.registry import DATASETS

from .common import CocoStyleChecksMixin
from .posetrack18_metainfo import POSETRACK18_METAINFO


def check_posetrack18_file(ann_file: str) -> Any:
    """Checks a PoseTrack18 ground-truth file or per-sequence folder the way its metric reads it (keypoint names,
    head boxes of annotated persons, frame order, ignore regions) and returns the parsed ground truth.

    Raises :class:`~mmpose_ext.datasets.common.AnnotationError` naming the file and the entry.
    """
    from mmpose_ext.evaluation.metrics.posetrack18_files import PoseTrackGroundTruth  # the metric's own reader
    return PoseTrackGroundTruth(ann_file)


@DATASETS.register_module()
class PoseTrack18OfficialDataset(CocoStyleChecksMixin, PoseTrack18Dataset):
    """PoseTrack18 (Andriluka et al., "PoseTrack: A Benchmark for Human Pose Estimation and Tracking", CVPR 2018)
    in the official COCO-style files (``posetrack18_{train,val}.json``, the files mmpose documents, with
    ``vid_id``, ``frame_id``, ``is_labeled``, ``ignore_regions_x/y`` and ``bbox_head``).

    Differences from :class:`mmpose.datasets.PoseTrack18Dataset`:

    * metainfo: PoseFix's reference layout (:data:`POSETRACK18_METAINFO`: ears with sigma 0 and no flip partner);
      give ``metainfo=dict(from_file=...)`` for mmpose's.
    * checked at build time, each with a one-line error naming the file and the entry: JSON and layout, 17
      keypoints per annotation, unique ids >= 1, every image present (:class:`CocoStyleChecksMixin`); head boxes
      of every person with keypoints (a zero-size box would make PCKh divide by zero); frames of each video in
      order; ignore-region polygons.
    * unlabelled frames (``is_labeled`` false) carry no persons, so ground-truth boxes give no sample there; with
      a ``bbox_file``, detections on unlabelled frames are skipped (``skip_unlabeled=True``; counted in the log)
      because the official evaluation does not score those frames.

    Args:
        skip_unlabeled: drop detections on frames with ``is_labeled`` false (test mode with ``bbox_file``).
        check_files: check that every image exists (default ``True``).
        **kwargs: as :class:`mmpose.datasets.PoseTrack18Dataset`.
    """

    METAINFO: dict = POSETRACK18_METAINFO

    def __init__(self, *args: Any, skip_unlabeled: bool = True, **kwargs: Any) -> None:
        self.skip_unlabeled = skip_unlabeled
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        self.posetrack_gt = check_posetrack18_file(self.ann_file)
        return super().load_data_list()

    def _load_detection_results(self) -> List[dict]:
        data_list = super()._load_detection_results()
        if not self.skip_unlabeled:
            return data_list
        images = self.posetrack_gt.images
        kept = [d for d in data_list if images[d['img_id']].get('is_labeled', True)]
        if len(kept) != len(data_list):
            print_log(f'{type(self).__name__}: {len(data_list) - len(kept)} of {len(data_list)} detections of '
                      f'{self.bbox_file} are on unlabelled frames, which PoseTrack\'s evaluation does not score; '
                      f'skipped (skip_unlabeled=False keeps them)', 'current', logging.INFO)
        return kept
