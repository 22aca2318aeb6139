"""Dataset wrapper that gives every top-down training crop the N persons MIPNet learns to separate."""
from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any, Dict, List, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmpose.registry import DATASETS
from torch.utils.data import Dataset


def nearest_instances(img_ids: Sequence[Any], centres: np.ndarray, num_others: int) -> np.ndarray:
    """For each instance, the indices of the ``num_others`` nearest other instances of the same image.

    Nearest means smallest squared distance between box centres; ties keep annotation order. Slots that
    cannot be filled (too few persons in the image) hold the instance's own index.

    Args:
        img_ids: image id of each instance.
        centres: (M, 2) box centres.
        num_others: how many neighbours to return per instance.

    Returns:
        (M, num_others) integer array.
    """
    result = np.repeat(np.arange(len(img_ids))[:, None], num_others, axis=1)
    groups: Dict[Any, List[int]] = defaultdict(list)
    for index, img_id in enumerate(img_ids):
        groups[img_id].append(index)
    for members in groups.values():
        members = np.asarray(members)
        if len(members) < 2:
            continue
        diff = centres[members][:, None, :] - centres[members][None, :, :]
        dist = (diff ** 2).sum(-1)
        np.fill_diagonal(dist, np.inf)
        order = np.argsort(dist, axis=1, kind='stable')[:, :min(num_others, len(members) - 1)]
        result[members, :order.shape[1]] = members[order]
    return result


@DATASETS.register_module()
class MultiInstanceDataset(Dataset):
    """Wraps any mmpose top-down dataset (COCO, CrowdPose, OCHuman, ...) for multi-instance training.

    Each sample keeps its own box (the crop) and its person as instance 0; instances 1..N-1 are the nearest
    other persons of the same image that the wrapped dataset trains on (crowd and keypoint-less annotations are
    already excluded there), by squared distance of box centres, in order. An image with too few persons repeats
    the primary. The sample's ``keypoints`` becomes (N, K, 2) and ``keypoints_visible`` (N, K), so mmpose's flip
    and affine transforms move all instances together; ``GenerateMultiInstanceTarget`` then builds the targets.

    From `Multi-Instance Pose Networks: Rethinking Top-Down Pose Estimation` (Khirodkar et al., ICCV 2021).

    Args:
        dataset: the wrapped top-down dataset, or its config; a ``ConcatDataset`` of top-down datasets (e.g.
            CrowdPose trainval) also works, neighbours being looked up within each part.
        num_instances: N, persons per crop (the primary included).
        lazy_init: defer loading annotations until ``full_init`` (as mmengine datasets).
    """

    def __init__(self, dataset: Union[BaseDataset, dict], num_instances: int = 2, lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        for part in getattr(self.dataset, 'datasets', [self.dataset]):
            if getattr(part, 'data_mode', 'topdown') != 'topdown':
                raise ValueError(f'{type(self).__name__} needs top-down datasets, got data_mode='
                                 f'{part.data_mode!r} for {type(part).__name__}')
        if num_instances < 1:
            raise ValueError(f'num_instances must be >= 1, got {num_instances}')
        self.num_instances = num_instances
        self.neighbours = np.zeros((0, max(num_instances - 1, 0)), dtype=np.int64)
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        infos = [self._locate(i)[0].get_data_info(self._locate(i)[1]) for i in range(len(self.dataset))]
        for index, info in enumerate(infos):
            if np.asarray(info['bbox']).shape != (1, 4):
                raise ValueError(f'{type(self).__name__}: sample {index} (annotation id {info.get("id")}) has bbox '
                                 f'of shape {np.asarray(info["bbox"]).shape}, expected one box per sample')
        boxes = np.concatenate([np.asarray(info['bbox'], dtype=np.float64) for info in infos]) \
            if infos else np.zeros((0, 4))
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        images = [(self._locate(i)[2], info['img_id']) for i, info in enumerate(infos)]
        self.neighbours = nearest_instances(images, centres, self.num_instances - 1)
        self._fully_initialized = True

    def _locate(self, idx: int):
        """(top-down dataset, index in it, part number) of a sample, also inside a ``ConcatDataset``."""
        if hasattr(self.dataset, 'datasets'):
            part, local = self.dataset._get_ori_dataset_idx(idx)
            return self.dataset.datasets[part], local, part
        return self.dataset, idx, 0

    def __len__(self) -> int:
        return len(self.dataset)

    def get_data_info(self, idx: int) -> dict:
        """The wrapped sample with ``keypoints`` (N, K, 2) and ``keypoints_visible`` (N, K), primary first."""
        if not self._fully_initialized:
            self.full_init()
        dataset, local, _ = self._locate(idx)
        info = dataset.get_data_info(local)
        others = [self._locate(int(j))[0].get_data_info(self._locate(int(j))[1]) for j in self.neighbours[idx]]
        info['keypoints'] = np.concatenate([info['keypoints']] + [o['keypoints'] for o in others])
        info['keypoints_visible'] = np.concatenate(
            [info['keypoints_visible']] + [o['keypoints_visible'] for o in others])
        info['instance_ann_ids'] = [info.get('id')] + [o.get('id') for o in others]
        return info

    def __getitem__(self, idx: int) -> dict:
        for _ in range(1001):
            data = self._locate(idx)[0].pipeline(self.get_data_info(idx))
            if data is not None:
                return data
            idx = np.random.randint(0, len(self))
        raise RuntimeError(f'{type(self).__name__}: the pipeline rejected every sample it tried')
