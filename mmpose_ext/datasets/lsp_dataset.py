"""Leeds Sports Pose (original and extended training set) read from the official ``joints.mat`` files."""
from __future__ import annotations

import os.path as osp
from typing import Any, List, Optional, Tuple

import numpy as np
from mmengine.fileio import get_local_path
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS
from scipy.io import loadmat

from .common import AnnotationError, check_image_files
from .lsp_metainfo import LSP_METAINFO

_NUM_JOINTS = 14


@DATASETS.register_module()
class LspDataset(BaseCocoStyleDataset):
    """Leeds Sports Pose (Johnson and Everingham, BMVC 2010) and LSP Extended (CVPR 2011), 14 joints.

    Reads the official files directly; mmpose has no LSP loader:

    * ``lsp_dataset/joints.mat``: 3 x 14 x 2000 (x, y, flag). Every joint is labelled; the flag is inverted
      (0 = visible, 1 = occluded), so it only lands in ``raw_ann_info['occluded']``. Images ``im0001.jpg`` ...
      The standard split is images 1-1000 for training and 1001-2000 for testing (``train_count=1000``).
    * ``lspet_dataset/joints.mat``: 14 x 3 x 10000 (x, y, visible). A joint with flag 0 is not labelled and
      gets no training weight. Images ``im00001.jpg`` ...; all 10,000 are training images.

    The layout is recognised by the array's shape (or forced with ``layout``). Coordinates in the files are
    1-based (MATLAB). Like :class:`MpiiOfficialDataset`, the pipeline gets 0-based ``keypoints = joints - 1``
    and the file's values stay in ``raw_ann_info['joints']`` for :class:`LspPCKMetric`, which scores
    predictions + 1 against them. LSP has no person boxes: each box is the extent of the labelled joints
    (the top-down pipeline's ``GetBBoxCenterScale`` pads it). Train on the original and the extended set with
    a ``ConcatDataset`` of two ``LspDataset``.

    Args:
        ann_file: ``'lsp_dataset/joints.mat'`` or ``'lspet_dataset/joints.mat'``.
        split: ``'train'``, ``'test'`` or ``'all'``; LSP Extended has only training images.
        train_count: how many of the first images of the original LSP file are training images (1000).
        layout: ``'auto'`` (by shape), ``'lsp'`` (3 x 14 x N) or ``'lspet'`` (14 x 3 x N).
        check_files: check that every image exists (default ``True``).
        **kwargs: as :class:`mmpose.datasets.BaseCocoStyleDataset` (top-down only, no ``bbox_file``).
    """

    METAINFO: dict = LSP_METAINFO

    def __init__(self, ann_file: str = '', split: str = 'all', train_count: int = 1000, layout: str = 'auto',
                 check_files: bool = True, data_mode: str = 'topdown', bbox_file: Optional[str] = None,
                 **kwargs: Any) -> None:
        if split not in ('train', 'test', 'all'):
            raise ValueError(f'LspDataset: split must be "train", "test" or "all", got {split!r}')
        if layout not in ('auto', 'lsp', 'lspet'):
            raise ValueError(f'LspDataset: layout must be "auto", "lsp" or "lspet", got {layout!r}')
        if data_mode != 'topdown' or bbox_file:
            raise ValueError('LspDataset is single-person: only data_mode="topdown" without bbox_file')
        self.split, self.train_count, self.layout, self.check_files = split, train_count, layout, check_files
        super().__init__(ann_file=ann_file, data_mode=data_mode, **kwargs)

    def _read_joints(self) -> Tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """Returns (layout, 1-based xy [N, 14, 2], labelled [N, 14], occluded [N, 14])."""
        if not osp.isfile(self.ann_file) and '://' not in self.ann_file:
            raise FileNotFoundError(f'LSP annotation file not found: {self.ann_file}')
        try:
            with get_local_path(self.ann_file) as local:
                joints = np.asarray(loadmat(local)['joints'], dtype=np.float64)
        except KeyError:
            raise AnnotationError(f'{self.ann_file} has no "joints" array (expected LSP joints.mat)') from None
        except Exception as e:  # scipy raises several types for a non-.mat file
            raise AnnotationError(f'{self.ann_file} is not a MATLAB .mat file: {e}') from None
        shape = joints.shape
        layout = self.layout
        if layout == 'auto':
            layout = 'lsp' if shape[:2] == (3, _NUM_JOINTS) else 'lspet' if shape[:2] == (_NUM_JOINTS, 3) else ''
        expected = (3, _NUM_JOINTS) if layout == 'lsp' else (_NUM_JOINTS, 3)
        if joints.ndim != 3 or shape[:2] != expected:
            raise AnnotationError(f'{self.ann_file}: "joints" has shape {shape}; LSP expects 3 x {_NUM_JOINTS} x N '
                                  f'(lsp_dataset) or {_NUM_JOINTS} x 3 x N (lspet_dataset)')
        if layout == 'lsp':
            xy, flag = joints[:2].transpose(2, 1, 0), joints[2].T
            return layout, xy, np.ones_like(flag, dtype=bool), flag > 0
        xy, flag = joints[:, :2].transpose(2, 0, 1), joints[:, 2].T
        return layout, xy, flag > 0, np.zeros_like(flag, dtype=bool)

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        layout, xy, labelled, occluded = self._read_joints()
        n = len(xy)
        if layout == 'lspet' and self.split == 'test':
            raise ValueError(f'{self.ann_file} is LSP Extended, which has no test images (use split="train")')
        indices = range(n)
        if layout == 'lsp' and self.split != 'all':
            indices = range(min(self.train_count, n)) if self.split == 'train' else range(self.train_count, n)
        digits = 4 if layout == 'lsp' else 5
        names = {i: f'im{i + 1:0{digits}d}.jpg' for i in indices}
        paths = {i: osp.join(self.data_prefix['img'], names[i]) for i in indices}
        if self.check_files:
            check_image_files([paths[i] for i in indices], self.ann_file, [f'person {i + 1}' for i in indices])
        instances, images = [], []
        for i in indices:
            lab = labelled[i]
            pts = xy[i] - 1.0  # 1-based file values -> 0-based pixel frame
            x1, y1 = pts[lab].min(axis=0) if lab.any() else (0.0, 0.0)
            x2, y2 = pts[lab].max(axis=0) if lab.any() else (0.0, 0.0)
            instances.append({
                'id': i + 1,
                'img_id': i + 1,
                'img_path': paths[i],
                'bbox': np.array([[x1, y1, x2, y2]], dtype=np.float32),
                'bbox_score': np.ones(1, dtype=np.float32),
                'num_keypoints': int(lab.sum()),
                'keypoints': pts[None].astype(np.float32),
                'keypoints_visible': lab[None].astype(np.float32),
                'area': np.array(max((x2 - x1) * (y2 - y1) * 0.53, 1.0), dtype=np.float32),
                'iscrowd': 0,
                'category_id': np.array(1),
                'raw_ann_info': dict(index=i, image=names[i], layout=layout, joints=xy[i].tolist(),
                                     joints_vis=lab.astype(int).tolist(), occluded=occluded[i].astype(int).tolist()),
            })
            images.append({'img_id': i + 1, 'img_path': paths[i]})
        return instances, images
