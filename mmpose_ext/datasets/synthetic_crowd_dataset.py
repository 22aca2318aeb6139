"""COCO-layout dataset of synthetic crowd scenes written by ``tools/dataset_converters/generate_synthetic_crowd.py``."""
from __future__ import annotations

import os.path as osp

from mmpose.datasets import CocoDataset
from mmpose.registry import DATASETS

from .common import CocoStyleChecksMixin


@DATASETS.register_module()
class SyntheticCrowdDataset(CocoStyleChecksMixin, CocoDataset):
    """Synthetic crowd scenes (articulated figures, 17 COCO keypoints) for smoke tests, demos and learning checks.

    The files follow COCO's format, so everything of :class:`mmpose.datasets.CocoDataset` applies (top-down and
    bottom-up modes, detection-box files, ``CocoMetric``). What this class adds is a clear error that says how to
    generate the data when it is missing, instead of a bare file-not-found deep inside the loader, and the
    build-time checks of :class:`~mmpose_ext.datasets.common.CocoStyleChecksMixin` (layout, ids, every listed
    image exists), so a missing image stops the build instead of a DataLoader worker.

    Args:
        ann_file: annotation file, e.g. ``'annotations/coco_train.json'`` (relative to ``data_root``).
        check_files: check that every image exists (default ``True``).
        **kwargs: as :class:`mmpose.datasets.CocoDataset`.
    """

    def load_data_list(self) -> list:
        if not osp.isfile(self.ann_file):
            root = self.data_root or osp.dirname(osp.dirname(self.ann_file))
            raise FileNotFoundError(
                f'synthetic crowd annotations not found: {self.ann_file}. Generate them with\n'
                f'  python tools/dataset_converters/generate_synthetic_crowd.py {root}')
        return super().load_data_list()
