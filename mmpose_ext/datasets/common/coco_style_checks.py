"""Build-time checks for mmpose's COCO-style datasets (CrowdPose, OCHuman, ...), as a mixin."""
from __future__ import annotations

import os.path as osp
from typing import Any, List

from .annotation_checks import check_coco_keypoint_file, check_detection_file, check_image_files, load_json_file


class CocoStyleChecksMixin:
    """Mixin for subclasses of ``mmpose.datasets.BaseCocoStyleDataset``: checks the files before mmpose loads them.

    Put it first in the bases (``class X(CocoStyleChecksMixin, CrowdPoseDataset)``). At build time it checks the
    annotation file (JSON, layout, ids, keypoint lengths against the dataset's joint count, see
    :func:`check_coco_keypoint_file`), that every listed image exists, and that a ``bbox_file`` only refers to
    images of the annotation file. Detection-box instances are numbered from 1 (mmpose numbers them from 0).

    Args:
        check_files: check that the image files exist (default ``True``); set ``False`` for remote storage
            layouts where a stat per image is expensive.
        *args, **kwargs: as the dataset class it is mixed into.
    """

    require_crowd_index: bool = False
    require_num_keypoints: bool = False

    def __init__(self, *args: Any, check_files: bool = True, **kwargs: Any) -> None:
        self.check_files = check_files
        self._checked_image_ids: set = set()
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        meta = self.metainfo
        data = load_json_file(self.ann_file)
        check_coco_keypoint_file(data, self.ann_file, meta['num_keypoints'], meta['dataset_name'],
                                 require_crowd_index=self.require_crowd_index,
                                 require_num_keypoints=self.require_num_keypoints)
        self._checked_image_ids = {img['id'] for img in data['images']}
        if self.check_files:
            images = data['images']
            check_image_files([osp.join(self.data_prefix['img'], img['file_name']) for img in images], self.ann_file,
                              [f'image id {img["id"]}' for img in images])
        return super().load_data_list()

    def _load_detection_results(self) -> List[dict]:
        dets = load_json_file(self.bbox_file, 'detection file')
        check_detection_file(dets, self.bbox_file, self._checked_image_ids, self.ann_file)
        data_list = super()._load_detection_results()
        for new_id, info in enumerate(data_list, start=1):  # never an instance id 0
            info['id'] = new_id
        return data_list
