"""MPII PCKh of PoseFix's refined poses, from a COCO-style MPII file with head boxes."""
from __future__ import annotations

import json
import math
from collections import defaultdict
from numbers import Real
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log
from mmpose.registry import METRICS

from mmpose_ext.datasets.common import AnnotationError
from .mpii_pckh_metric import SC_BIAS, MpiiPCKhMetric
from .posefix_results_metric import PoseFixCocoMetric
from .posetrack18_ap import greedy_assignment


@METRICS.register_module()
class PoseFixMpiiPCKhMetric(PoseFixCocoMetric):
    """:class:`PoseFixCocoMetric` scored with MPII's PCKh (:class:`MpiiPCKhMetric`'s table) instead of COCO AP,
    for PoseFix (Moon, Chang and Lee, CVPR 2019) on MPII-layout results (16 joints).

    The ground truth is a COCO-style MPII file whose annotations carry ``bbox_head`` ([x, y, w, h], made by
    ``tools/dataset_converters/mpii_to_coco.py`` from the official json and ``mpii_gt_val.mat``). MPII's own
    evaluation is single-person: every person comes with one prediction. A results file lists poses per image,
    so each image's poses are first assigned to its ground-truth persons with poseval's greedy rule on the
    fraction of the person's labelled joints within PCKh@``thr`` (the pose that explains most of a person is its
    prediction); a person left without a pose counts every joint as missed. Then the table is
    :meth:`MpiiPCKhMetric.evaluate_arrays`: head size ``0.6 * ||head box diagonal||``, ``<=`` in float64, pelvis
    and thorax not in the means. No OKS-NMS by default (the reference runs none on MPII).

    Args:
        thr: the PCKh threshold (0.5).
        nms_mode: ``'none'`` (reference) or ``'oks_nms'``.
        **kwargs: as :class:`PoseFixCocoMetric` (``ann_file``, ``pose_source``, ``out_file``, ``prefix``, ...).
    """

    default_prefix: Optional[str] = 'mpii'

    def __init__(self, thr: float = 0.5, nms_mode: str = 'none', **kwargs: Any) -> None:
        super().__init__(nms_mode=nms_mode, **kwargs)
        self.pckh = MpiiPCKhMetric(thr=thr)

    def _ground_truth(self) -> Dict[Any, List[Tuple[np.ndarray, np.ndarray, float]]]:
        """``{image id: [(joints (16, 2), labelled (16,), head size), ...]}`` of the annotation file."""
        source = self.ann_file or '<annotation file>'
        persons: Dict[Any, list] = defaultdict(list)
        for i, ann in enumerate(self.coco.dataset.get('annotations', [])):
            where = f'{source}: annotations[{i}] (id {ann.get("id")}, image_id {ann.get("image_id")})'
            kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
            labelled = kpts[:, 2] > 0
            if not labelled.any():
                continue
            box = ann.get('bbox_head')
            if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, Real) and math.isfinite(v)
                                                                      for v in box)):
                raise AnnotationError(f'{where} has no "bbox_head" [x, y, w, h]; PCKh needs the head box (make the '
                                      f'file with tools/dataset_converters/mpii_to_coco.py and mpii_gt_val.mat)')
            size = SC_BIAS * math.hypot(box[2], box[3])
            if not size > 0:
                raise AnnotationError(f'{where} has a zero-size head box {box}; PCKh divides by its diagonal')
            persons[ann['image_id']].append((kpts[:, :2], labelled, size))
        return persons

    def _do_python_keypoint_eval(self, outfile_prefix: str) -> List[Tuple[str, float]]:
        res_file = f'{outfile_prefix}.keypoints.json'
        with open(res_file) as f:
            results = [r for r in json.load(f) if r.get('category_id', 1) == 1]
        poses: Dict[Any, List[np.ndarray]] = defaultdict(list)
        for r in results:
            poses[r['image_id']].append(np.asarray(r['keypoints'], dtype=np.float64).reshape(-1, 3)[:, :2])
        preds, gts, labelled, sizes = [], [], [], []
        unmatched = 0
        for image_id, people in self._ground_truth().items():
            found = poses.get(image_id, [])
            gt = np.stack([p[0] for p in people])
            vis = np.stack([p[1] for p in people])
            size = np.array([p[2] for p in people])
            if found:
                pred = np.stack(found)
                ratio = np.linalg.norm(pred[:, None] - gt[None], axis=-1) / size[None, :, None]
                pck = ((ratio <= self.pckh.thr) & vis[None]).sum(2) / vis.sum(1)[None]
                assigned = greedy_assignment(pck)
            else:
                assigned = np.full(len(people), -1)
            for g, p in enumerate(assigned):
                preds.append(pred[p] if p >= 0 else np.full(gt[g].shape, np.inf))
                unmatched += int(p < 0)
            gts.append(gt)
            labelled.append(vis)
            sizes.append(size)
        if not gts:
            raise AnnotationError(f'{self.ann_file}: no person with labelled joints to score')
        metrics = self.pckh.evaluate_arrays(np.stack(preds), np.concatenate(gts), np.concatenate(labelled),
                                            np.concatenate(sizes))
        metrics.update(persons=float(len(preds)), persons_without_pose=float(unmatched))
        print_log(self.pckh.format_table(metrics), 'current')
        return list(metrics.items())
