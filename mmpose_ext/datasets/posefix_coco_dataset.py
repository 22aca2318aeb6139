"""PoseFix training data: COCO-format ground truth, an estimator's train-set results and the near persons."""
from __future__ import annotations

import math
import os.path as osp
from collections import defaultdict
from numbers import Real
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmpose.datasets import CocoDataset
from mmpose.registry import DATASETS
from scipy.optimize import linear_sum_assignment

from .common import AnnotationError, CocoStyleChecksMixin, load_json_file, mmpose_metainfo


def box_iou_xyxy(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(A, B) IoU of two sets of ``[x1, y1, x2, y2]`` boxes (0 where the union is empty)."""
    top_left = np.maximum(boxes_a[:, None, :2], boxes_b[None, :, :2])
    bottom_right = np.minimum(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    inter = np.clip(bottom_right - top_left, 0, None).prod(-1)
    area_a = np.clip(boxes_a[:, 2:] - boxes_a[:, :2], 0, None).prod(-1)
    area_b = np.clip(boxes_b[:, 2:] - boxes_b[:, :2], 0, None).prod(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


@DATASETS.register_module()
class PoseFixCocoDataset(CocoStyleChecksMixin, CocoDataset):
    """Training samples for PoseFix (Moon, Chang and Lee, "PoseFix: Model-agnostic General Human Pose Refinement
    Network", CVPR 2019): each ground-truth person with the pose sets its input-pose synthesis needs.

    Persons are those mmpose trains on in top-down mode (not crowd, ``num_keypoints > 0``, a non-empty box).
    Each sample's ``keypoints`` (N, K, 2) / ``keypoints_visible`` (N, K) stack N = 2 + M instances, so that
    mmpose's flip and affine transforms move them all with the crop:

    * instance 0: the ground truth (the person the crop and ``bbox`` are for);
    * instance 1: the estimated pose of that person from ``estimated_results_file``, every joint visible. The
      synthesis starts from it for the joints that are not annotated. With ``estimated_results_file=None`` it is
      all invisible, and those joints then get no input point;
    * instances 2 .. M+1: the other persons of the image whose box IoU with this one is at least
      ``near_iou_thr`` (the sources of swap errors), in annotation order. ``num_near_instances`` = M.

    ``SynthesizePoseErrors`` turns this into the input pose and reduces the sample to instance 0. Each sample also
    carries the layout the synthesis needs: ``keypoint_sigmas`` (OKS sigmas) and ``keypoint_names``.

    The results file is a COCO keypoint results list (``image_id``, ``keypoints`` as 3K numbers; optional
    ``category_id`` (must be 1), ``score``, ``bbox``) from any estimator run on this split with ground-truth
    boxes and without NMS, so every image has exactly one result per person trained on. Results are matched to
    persons one-to-one per image by maximum total box IoU (Hungarian); a result's box is its ``bbox`` field
    (``[x, y, w, h]``) when present, else the extent of its keypoints. Checked at build time, each with an error
    naming the file and the entry: JSON, list layout, fields, K, finite numbers, known image ids, one result per
    person per image, and a matched IoU of at least ``min_match_iou``.

    Args:
        ann_file: COCO-format keypoint annotations of the training split.
        estimated_results_file: the estimator's results on that split (relative to ``data_root`` like
            ``ann_file``), or ``None`` (see above).
        near_iou_thr: box IoU from which another person counts as near (swap source); 0.1 in the reference.
        min_match_iou: smallest box IoU accepted between a person and its matched result.
        metainfo: keypoint layout, e.g. ``dict(from_file='configs/_base_/datasets/crowdpose.py')``; COCO's by
            default.
        **kwargs: as :class:`mmpose.datasets.CocoDataset` (``data_mode`` must be ``'topdown'``) and
            ``check_files`` of :class:`~mmpose_ext.datasets.common.CocoStyleChecksMixin`.
    """

    METAINFO: dict = mmpose_metainfo('coco.py')

    def __init__(self, *args: Any, estimated_results_file: Optional[str], near_iou_thr: float = 0.1,
                 min_match_iou: float = 0.1, **kwargs: Any) -> None:
        self.estimated_results_file = estimated_results_file
        self.near_iou_thr = near_iou_thr
        self.min_match_iou = min_match_iou
        if kwargs.get('data_mode', 'topdown') != 'topdown':
            raise ValueError(f'{type(self).__name__} works in top-down mode only, got data_mode='
                             f'{kwargs["data_mode"]!r}')
        super().__init__(*args, **kwargs)

    def _join_prefix(self) -> None:
        super()._join_prefix()
        path = self.estimated_results_file
        if path and self.data_root and '://' not in path and not osp.isabs(path):
            self.estimated_results_file = osp.join(self.data_root, path)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        num_joints = self.metainfo['num_keypoints']
        by_image: Dict[Any, List[int]] = defaultdict(list)
        for index, info in enumerate(data_list):
            by_image[info['img_id']].append(index)
        boxes = [np.asarray(info['bbox'], dtype=np.float64).reshape(4) for info in data_list]

        if self.estimated_results_file is None:
            estimated = [np.zeros((num_joints, 2), np.float32)] * len(data_list)
            estimated_visible = np.zeros((1, num_joints), np.float32)
        else:
            estimated = self._match_estimates(data_list, by_image, boxes)
            estimated_visible = np.ones((1, num_joints), np.float32)

        for members in by_image.values():
            group_boxes = np.stack([boxes[i] for i in members])
            near = box_iou_xyxy(group_boxes, group_boxes) >= self.near_iou_thr
            np.fill_diagonal(near, False)
            for row, index in enumerate(members):
                info = data_list[index]
                others = [members[col] for col in np.flatnonzero(near[row])]
                info['keypoints'] = np.concatenate(
                    [info['keypoints'], estimated[index][None]] + [data_list[o]['keypoints'][:1] for o in others])
                info['keypoints_visible'] = np.concatenate(
                    [info['keypoints_visible'], estimated_visible]
                    + [data_list[o]['keypoints_visible'][:1] for o in others]).astype(np.float32)
                info['num_near_instances'] = len(others)
                info['near_ann_ids'] = [data_list[o]['id'] for o in others]
        return data_list

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        if not hasattr(self, '_layout'):  # ``self.metainfo`` deep-copies all of it: read it once
            id2name = self._metainfo['keypoint_id2name']
            self._layout = (np.asarray(self._metainfo['sigmas'], dtype=np.float64),
                            tuple(id2name[k] for k in range(self._metainfo['num_keypoints'])))
        info['keypoint_sigmas'], info['keypoint_names'] = self._layout
        return info

    def _load_estimates(self) -> Dict[Any, List[tuple]]:
        """``{image_id: [(entry index, keypoints (K, 2), box xyxy), ...]}`` from the checked results file."""
        path = self.estimated_results_file
        entries = load_json_file(path, 'estimated results file')
        if not isinstance(entries, list):
            raise AnnotationError(f'estimated results file {path} must be a JSON list of COCO keypoint results, '
                                  f'got {type(entries).__name__}')
        num_joints = self.metainfo['num_keypoints']
        by_image: Dict[Any, List[tuple]] = defaultdict(list)
        for i, entry in enumerate(entries):
            where = f'estimated results file {path}: entry [{i}]'
            if not isinstance(entry, dict) or not {'image_id', 'keypoints'} <= set(entry):
                raise AnnotationError(f'{where} needs "image_id" and "keypoints": {str(entry)[:200]}')
            where += f' (image_id {entry["image_id"]})'
            if entry.get('category_id', 1) != 1:
                raise AnnotationError(f'{where} has category_id {entry["category_id"]}; person results (1) only')
            if entry['image_id'] not in self._checked_image_ids:
                raise AnnotationError(f'{where}: image_id is not an image of {self.ann_file}. Is it the results '
                                      f'file of another split or dataset?')
            keypoints = _finite_numbers(entry['keypoints'], 3 * num_joints, where, 'keypoints',
                                        f'{num_joints} keypoints x (x, y, score) for {self.metainfo["dataset_name"]}')
            keypoints = keypoints.reshape(num_joints, 3)[:, :2]
            if 'bbox' in entry:
                x, y, w, h = _finite_numbers(entry['bbox'], 4, where, 'bbox', '[x, y, w, h]')
                box = np.array([x, y, x + w, y + h])
            else:
                box = np.concatenate([keypoints.min(0), keypoints.max(0)])
            by_image[entry['image_id']].append((i, keypoints.astype(np.float32), box))
        return by_image

    def _match_estimates(self, data_list: List[dict], by_image: Dict[Any, List[int]],
                         boxes: Sequence[np.ndarray]) -> List[np.ndarray]:
        """The estimated keypoints (K, 2) of every sample, matched per image by box IoU."""
        path = self.estimated_results_file
        results = self._load_estimates()
        hint = ('The file must hold one result per person trained on (not crowd, num_keypoints > 0): run the '
                'estimator on ground-truth boxes of this split with NMS off (CocoMetric nms_mode="none").')
        extra = sorted(set(results) - set(by_image), key=str)
        if extra:
            image_id = extra[0]
            raise AnnotationError(f'estimated results file {path}: image_id {image_id} has '
                                  f'{len(results[image_id])} results (first: entry [{results[image_id][0][0]}]) '
                                  f'but no person to train on in {self.ann_file}. {hint}')
        estimated: List[Optional[np.ndarray]] = [None] * len(data_list)
        for image_id, members in by_image.items():
            found = results.get(image_id, [])
            if len(found) != len(members):
                listed = f' (entries {[e[0] for e in found][:10]})' if found else ''
                raise AnnotationError(
                    f'estimated results file {path}: image_id {image_id} ({data_list[members[0]]["img_path"]}) has '
                    f'{len(found)} results{listed} for {len(members)} persons '
                    f'(annotation ids {[data_list[i]["id"] for i in members]}). {hint}')
            iou = box_iou_xyxy(np.stack([boxes[i] for i in members]), np.stack([e[2] for e in found]))
            rows, cols = linear_sum_assignment(-iou)
            for row, col in zip(rows, cols):
                info = data_list[members[row]]
                if iou[row, col] < self.min_match_iou:
                    raise AnnotationError(
                        f'estimated results file {path}: entry [{found[col][0]}] (image_id {image_id}) is matched '
                        f'to annotation id {info["id"]} with box IoU {iou[row, col]:.3f} < min_match_iou='
                        f'{self.min_match_iou}. Are the results from ground-truth boxes of this split?')
                estimated[members[row]] = found[col][1]
        return estimated


def _finite_numbers(value: Any, length: int, where: str, field: str, expected: str) -> np.ndarray:
    """``value`` as a float array, or :class:`AnnotationError` saying what is wrong with it."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, Real) and not isinstance(v, bool)
                                                       for v in value):
        raise AnnotationError(f'{where}: "{field}" must be a list of numbers, got {str(value)[:200]}')
    if len(value) != length:
        raise AnnotationError(f'{where}: "{field}" has {len(value)} values, expected {length} ({expected}). '
                              f'Is this a results file of another keypoint layout?')
    if not all(math.isfinite(v) for v in value):
        raise AnnotationError(f'{where}: "{field}" has non-finite values: {str(value)[:200]}')
    return np.asarray(value, dtype=np.float64)
