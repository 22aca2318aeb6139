"""A top-down dataset with the labels of a fixed fraction of its images; the rest dropped or kept unlabeled."""
from __future__ import annotations

import copy
from typing import Any, List, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmpose.registry import DATASETS

RESTS = ('drop', 'unlabeled')


@DATASETS.register_module()
class LabelFractionDataset:
    """Keeps the keypoint labels of ``fraction`` of a top-down dataset's images, chosen once by ``subset_seed``.

    The images are split, not the persons: every person of a kept image keeps its labels. The split depends on
    ``subset_seed`` and the image ids only, so every arm and training seed of an experiment sees the same
    labelled images. The persons of the other images are dropped (``rest='drop'``: the student trained on few
    labels) or kept as unlabeled crops (``rest='unlabeled'``): their box is kept, their keypoints are made
    invisible before the pipeline (``GenerateTarget`` then gives empty heatmaps and zero weights) and the data
    sample is marked ``labeled=False``, so :class:`~mmpose_ext.models.FPDDistiller` supervises them with the
    teacher only. A box in practice comes from a detector; here it is the annotation's.

    Used for the few-labels learning check of `Fast Human Pose Estimation` (Zhang, Zhu and Ye, CVPR 2019).

    Args:
        dataset: the labelled top-down dataset (a config dict or a built dataset).
        fraction: share of the images whose labels are kept, in (0, 1].
        subset_seed: seed of the image split.
        rest: ``'drop'`` or ``'unlabeled'``, what becomes of the persons of the other images.
    """

    def __init__(self, dataset: Union[dict, BaseDataset], fraction: float, subset_seed: int = 0,
                 rest: str = 'drop') -> None:
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f'LabelFractionDataset: fraction must be in (0, 1], got {fraction}')
        if rest not in RESTS:
            raise ValueError(f'LabelFractionDataset: rest must be one of {RESTS}, got {rest!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.dataset.full_init()
        if getattr(self.dataset, 'data_mode', 'topdown') != 'topdown':
            raise ValueError('LabelFractionDataset: only top-down datasets (one person per sample) can be split')
        self.fraction, self.subset_seed, self.rest = fraction, subset_seed, rest
        image_of = [self.dataset.get_data_info(i)['img_id'] for i in range(len(self.dataset))]
        images = np.array(sorted(set(image_of)))
        num_kept = max(1, int(round(fraction * len(images))))
        kept = set(np.random.default_rng(subset_seed).permutation(images)[:num_kept].tolist())
        self.labeled_indices = [i for i, img in enumerate(image_of) if img in kept]
        self.unlabeled_indices = [] if rest == 'drop' else [i for i, img in enumerate(image_of) if img not in kept]
        self.num_labeled_images = num_kept
        self.num_images = len(images)

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        """Built in ``__init__``; here for mmengine's dataset interface."""

    def __len__(self) -> int:
        return len(self.labeled_indices) + len(self.unlabeled_indices)

    def _index(self, idx: int) -> tuple:
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f'LabelFractionDataset: index {idx} out of range for {len(self)} samples')
        if idx < len(self.labeled_indices):
            return self.labeled_indices[idx], True
        return self.unlabeled_indices[idx - len(self.labeled_indices)], False

    def get_data_info(self, idx: int) -> dict:
        source, labeled = self._index(idx)
        info = self.dataset.get_data_info(source)
        if not labeled:
            info['keypoints_visible'] = np.zeros_like(info['keypoints_visible'])
            info['keypoints'] = np.zeros_like(info['keypoints'])
            info['num_keypoints'] = 0
        return info

    def __getitem__(self, idx: int) -> Any:
        source, labeled = self._index(idx)
        if labeled:
            return self.dataset[source]
        results = self.dataset.pipeline(self.get_data_info(idx))
        if results is None:  # the pipeline rejected the sample: the wrapped dataset's own retry (another sample)
            return self.dataset[source]
        results['data_samples'].set_metainfo(dict(labeled=False))
        return results

    def summary(self) -> str:
        labeled = len(self.labeled_indices)
        return (f'{self.num_labeled_images} of {self.num_images} images labelled ({labeled} persons, subset seed '
                f'{self.subset_seed}); ' + ('the rest dropped' if self.rest == 'drop' else
                                             f'{len(self.unlabeled_indices)} persons of the rest unlabeled'))

    def __repr__(self) -> str:
        return f'LabelFractionDataset(fraction={self.fraction}, {self.summary()})'
