"""Dataset wrapper for bottom-up training: names and (optionally) drops images without a labelled person."""
from __future__ import annotations

from typing import List, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import MMLogger
from mmpose.registry import DATASETS


def has_labelled_person(data_info: dict) -> bool:
    """Whether a bottom-up data info holds a person with at least one labelled keypoint."""
    visible = data_info.get('keypoints_visible')
    if visible is None:
        return False
    visible = np.asarray(visible)
    if visible.ndim == 3:
        visible = visible[..., 0]
    return bool(visible.size) and bool((visible > 0).any())


@DATASETS.register_module()
class BottomupImageFilter:
    """Wraps a bottom-up training set (COCO, CrowdPose, synthetic crowd, or a ``ConcatDataset`` of them) and
    counts, logs and optionally drops the images that have no person with a labelled keypoint.

    mmpose's bottom-up data list already leaves out images without any annotation (as the reference does). An
    image whose annotations are only crowd regions or persons without keypoints stays in that list: the
    reference (HigherHRNet) trains on it with an all-zero target outside the masked regions. With
    ``require_keypoints=True`` such images are dropped; either way their number is logged, so nothing is
    dropped or kept silently.

    Args:
        dataset: the wrapped dataset or its config (``data_mode='bottomup'``).
        require_keypoints: drop images without a person with a labelled keypoint (default True); False keeps
            them, as the reference.
        lazy_init: defer loading the annotations.
    """

    def __init__(self, dataset: Union[BaseDataset, dict], require_keypoints: bool = True,
                 lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.require_keypoints = require_keypoints
        self._metainfo = self.dataset.metainfo
        self._indices: List[int] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        total = len(self.dataset)
        labelled = [i for i in range(total) if has_labelled_person(self.dataset.get_data_info(i))]
        unlabelled = total - len(labelled)
        self._indices = labelled if self.require_keypoints else list(range(total))
        action = 'dropped' if self.require_keypoints else 'kept as negatives (reference)'
        MMLogger.get_current_instance().info(
            f'{type(self).__name__}: {len(self._indices)} of {total} training images used; {unlabelled} have no '
            f'person with a labelled keypoint (only crowd regions or keypoint-less persons): {action}. Images '
            'without any annotation are not in the bottom-up data list.')
        if not self._indices:
            raise ValueError(f'{type(self).__name__}: no training image has a person with labelled keypoints')
        self._fully_initialized = True

    @force_full_init
    def __len__(self) -> int:
        return len(self._indices)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(self._indices[idx])

    def __getitem__(self, idx: int) -> dict:
        self.full_init()
        return self.dataset[self._indices[idx]]
