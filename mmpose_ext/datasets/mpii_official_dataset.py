"""MPII Human Pose with head boxes, 1-based file coordinates kept for scoring, checked at build time."""
from __future__ import annotations

import os.path as osp
from collections import Counter
from numbers import Real
from typing import Any, List, Optional, Tuple

import numpy as np
from mmengine.fileio import get_local_path
from mmpose.datasets import MpiiDataset
from mmpose.registry import DATASETS
from scipy.io import loadmat

from .common import AnnotationError, check_image_files, load_json_file, mmpose_metainfo

# Joints of a json entry and of the .mat must agree to this many pixels (they agree to 4.4e-5 px in the
# official files); a larger difference means the two files list different persons at this position.
_MAT_JSON_TOLERANCE = 0.01


@DATASETS.register_module()
class MpiiOfficialDataset(MpiiDataset):
    """MPII Human Pose (Andriluka et al., "2D Human Pose Estimation: New Benchmark and State of the Art
    Analysis", CVPR 2014), in the json + ``mpii_gt_val.mat`` layout of HRNet and mmpose.

    Differences from :class:`mmpose.datasets.MpiiDataset`:

    * **Coordinates.** The files are 1-based (MATLAB). mmpose 1.x shifts the box centre to 0-based but not the
      joints, so its training targets sit one pixel right of and below the image content. Here the joints are
      shifted too (``keypoints = joints - 1``, the image's 0-based pixel frame, like HRNet), and the file's
      1-based values are kept untouched in ``raw_ann_info['joints']``, which :class:`MpiiPCKhMetric` scores
      against (predictions + 1). Ground truth fed back as predictions therefore scores exactly 100.
    * **Head boxes are matched by position.** The ``.mat`` must hold one head box per json entry, in the same
      order; when it also holds ``pos_gt_src`` (the official ``mpii_gt_val.mat`` does) every person's joints
      are compared with the json entry at the same position, so a reordered or filtered file is refused.
    * **Checks at build time.** JSON, 16 joints and 16 visibility flags per entry, every image present.
    * Instance ids start at 1; ``raw_ann_info`` also records the entry's position, its image and the number
      of persons the annotation file lists for that image (for the single/multi-person report).

    Args:
        ann_file: ``'annotations/mpii_train.json'`` or ``'annotations/mpii_val.json'``.
        headbox_file: ``'annotations/mpii_gt_val.mat'`` (test mode only; needed for PCKh).
        check_files: check that every image exists (default ``True``).
        **kwargs: as :class:`mmpose.datasets.MpiiDataset`.
    """

    METAINFO: dict = mmpose_metainfo('mpii.py')

    def __init__(self, *args: Any, check_files: bool = True, **kwargs: Any) -> None:
        self.check_files = check_files
        super().__init__(*args, **kwargs)

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        anns = load_json_file(self.ann_file)
        self._check_entries(anns)
        headboxes = self._load_headboxes(anns) if self.headbox_file else None
        if self.check_files:
            check_image_files([osp.join(self.data_prefix['img'], a['image']) for a in anns], self.ann_file,
                              [f'entry {i}' for i in range(len(anns))])
        instance_list, image_list = super()._load_annotations()
        assert len(instance_list) == len(anns)
        persons = Counter(a['image'] for a in anns)
        for idx, (info, ann) in enumerate(zip(instance_list, anns)):
            info['id'] = idx + 1
            info['keypoints'] = info['keypoints'] - 1.0  # 1-based file values -> 0-based pixel frame
            raw = dict(index=idx, image=ann['image'], joints=ann['joints'], joints_vis=ann['joints_vis'],
                       persons_in_image=persons[ann['image']])
            if headboxes is not None:
                raw['headbox'] = headboxes[idx].tolist()
            info['raw_ann_info'] = raw
        return instance_list, image_list

    def _check_entries(self, anns: Any) -> None:
        k = self.metainfo['num_keypoints']
        if not isinstance(anns, list):
            raise AnnotationError(f'{self.ann_file} is not an MPII annotation list (json list of persons with '
                                  f'image, joints, joints_vis, center, scale)')
        for i, ann in enumerate(anns):
            where = f'{self.ann_file}: entry {i}'
            if not isinstance(ann, dict) or not {'image', 'joints', 'joints_vis', 'center', 'scale'} <= set(ann):
                raise AnnotationError(f'{where} needs image, joints, joints_vis, center and scale: {str(ann)[:200]}')
            where += f' ({ann["image"]})'
            joints = ann['joints']
            if not isinstance(joints, list) or len(joints) != k or any(
                    not isinstance(j, list) or len(j) != 2 or not all(isinstance(v, Real) for v in j)
                    for j in joints):
                n = len(joints) if isinstance(joints, list) else type(joints).__name__
                raise AnnotationError(f'{where} has {n} joints; MPII expects {k} (x, y) pairs')
            if not isinstance(ann['joints_vis'], list) or len(ann['joints_vis']) != k:
                raise AnnotationError(f'{where} has {len(ann["joints_vis"])} visibility flags; MPII expects {k}')
            if not isinstance(ann['scale'], Real) or len(ann['center']) != 2:
                raise AnnotationError(f'{where} has a malformed center/scale: {ann["center"]!r}, {ann["scale"]!r}')

    def _load_headboxes(self, anns: list) -> np.ndarray:
        path = self.headbox_file
        if not osp.isfile(path) and '://' not in path:
            raise FileNotFoundError(f'head box file not found: {path}')
        try:
            with get_local_path(path) as local:
                mat = loadmat(local)
        except Exception as e:  # scipy raises several types for a non-.mat file
            raise AnnotationError(f'head box file {path} is not a MATLAB .mat file: {e}') from None
        if 'headboxes_src' not in mat:
            raise AnnotationError(f'head box file {path} has no "headboxes_src" (expected mpii_gt_val.mat)')
        boxes = np.asarray(mat['headboxes_src'], dtype=np.float64)
        if boxes.ndim != 3 or boxes.shape[:2] != (2, 2) or boxes.shape[2] != len(anns):
            raise AnnotationError(
                f'head box file {path} holds {boxes.shape[2] if boxes.ndim == 3 else boxes.shape} head boxes but '
                f'{self.ann_file} lists {len(anns)} persons. Head boxes are matched to persons by position: '
                f'never reorder or filter one file without the other.')
        if 'pos_gt_src' in mat:
            self._cross_check(np.asarray(mat['pos_gt_src'], dtype=np.float64),
                              np.asarray(mat.get('jnt_missing'), dtype=np.float64), anns)
        return np.transpose(boxes, [2, 0, 1])  # [N, corner, xy]

    def _cross_check(self, pos_gt: np.ndarray, missing: Optional[np.ndarray], anns: list) -> None:
        joints = np.array([a['joints'] for a in anns], dtype=np.float64)  # [N, K, 2]
        vis = np.array([a['joints_vis'] for a in anns], dtype=np.float64) > 0
        if pos_gt.shape != (joints.shape[1], 2, len(anns)):
            raise AnnotationError(f'{self.headbox_file}: pos_gt_src has shape {pos_gt.shape}, expected '
                                  f'({joints.shape[1]}, 2, {len(anns)}) to match {self.ann_file}')
        mat_joints = np.transpose(pos_gt, [2, 0, 1])
        if missing is not None and missing.shape == (joints.shape[1], len(anns)):
            vis &= missing.T == 0
        diff = np.where(vis, np.abs(mat_joints - joints).max(axis=2), 0.0).max(axis=1)
        bad = np.flatnonzero(diff > _MAT_JSON_TOLERANCE)
        if bad.size:
            i = int(bad[0])
            raise AnnotationError(
                f'{self.headbox_file} and {self.ann_file} disagree at position {i} ({anns[i]["image"]}): joints '
                f'differ by {diff[i]:.2f} px ({bad.size} positions differ). Head boxes are matched by position, '
                f'so both files must list the same persons in the same order.')
