"""Crowd evaluation: how many persons that share a box with someone else does a top-down model recover?

A detector in a crowd keeps one box where two persons overlap strongly. ``merged_box_detections`` simulates that on
ground truth (greedy box NMS, the most completely labelled person wins), and ``crowd_scores`` measures AP on the
crowded images plus the recall of the persons whose box overlaps another's (the synthetic set's shared-box flag).
A model with one pose per box cannot recover a person whose box was merged away; MIPNet can, via lambda 1.
"""
from __future__ import annotations

import contextlib
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np

from mmpose_ext.datasets.synthetic import shared_box_flags


def _iou_xywh(a: Sequence[float], b: Sequence[float]) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def _load(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f'{path} does not exist') from None
    except json.JSONDecodeError as err:
        raise ValueError(f'{path} is not valid JSON: {err}') from None


def merged_box_detections(ann_file: str | Path, iou_thr: float = 0.5) -> List[Dict[str, Any]]:
    """COCO-format detections from the ground-truth boxes after greedy box NMS at ``iou_thr``."""
    coco = _load(ann_file)
    by_image: Dict[int, list] = defaultdict(list)
    for ann in coco['annotations']:
        if not ann.get('iscrowd', 0) and ann.get('num_keypoints', 0) > 0:
            by_image[ann['image_id']].append(ann)
    detections = []
    for image_id, anns in by_image.items():
        kept: List[dict] = []
        for ann in sorted(anns, key=lambda a: (-a['num_keypoints'], a['id'])):
            if all(_iou_xywh(ann['bbox'], k['bbox']) <= iou_thr for k in kept):
                kept.append(ann)
        detections += [dict(image_id=image_id, category_id=1, bbox=list(map(float, a['bbox'])), score=1.0)
                       for a in kept]
    return detections


def _oks(gt: dict, pred: np.ndarray, sigmas: np.ndarray) -> float:
    g = np.asarray(gt['keypoints'], dtype=float).reshape(-1, 3)
    labelled = g[:, 2] > 0
    if not labelled.any():
        return 0.0
    d2 = ((pred[:, :2] - g[:, :2]) ** 2).sum(1)
    var = (2 * sigmas) ** 2
    e = d2 / var / (gt['area'] + np.spacing(1)) / 2
    return float(np.exp(-e[labelled]).mean())


def crowd_scores(ann_file: str | Path, results_file: str | Path, sigmas: Sequence[float],
                 oks_thr: float = 0.5) -> Dict[str, float]:
    """AP on crowded images (xtcocotools) and recall of shared-box persons at OKS >= ``oks_thr``.

    Recall matching is one-to-one per image, predictions in descending score, each taking its best unmatched
    person (as COCO's evaluator).
    """
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval

    coco_json = _load(ann_file)
    results = _load(results_file)
    sigmas = np.asarray(sigmas, dtype=float)
    persons: Dict[int, list] = defaultdict(list)
    for ann in coco_json['annotations']:
        if not ann.get('iscrowd', 0) and ann.get('num_keypoints', 0) > 0:
            persons[ann['image_id']].append(ann)
    shared: Dict[int, set] = {}
    for image_id, anns in persons.items():
        flags = shared_box_flags([a['bbox'] for a in anns])
        shared[image_id] = {a['id'] for a, f in zip(anns, flags) if f}
    crowded = sorted(i for i, ids in shared.items() if ids)

    preds: Dict[int, list] = defaultdict(list)
    for r in results:
        preds[r['image_id']].append(r)
    recalled = total = 0
    for image_id in crowded:
        anns = persons[image_id]
        taken: set = set()
        for r in sorted(preds[image_id], key=lambda r: -r['score']):
            kp = np.asarray(r['keypoints'], dtype=float).reshape(-1, 3)
            scores = [(_oks(a, kp, sigmas), a['id']) for a in anns if a['id'] not in taken]
            if scores:
                best, ann_id = max(scores)
                if best >= oks_thr:
                    taken.add(ann_id)
        recalled += len(taken & shared[image_id])
        total += len(shared[image_id])

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ann_file))
        dt = gt.loadRes(str(results_file)) if results else None
        ap = 0.0
        if dt is not None:
            evaluator = COCOeval(gt, dt, 'keypoints', sigmas, use_area=True)
            evaluator.params.imgIds = crowded
            evaluator.evaluate()
            evaluator.accumulate()
            evaluator.summarize()
            ap = float(evaluator.stats[0])
    return dict(crowded_images=len(crowded), shared_box_persons=total, crowded_AP=ap,
                shared_box_recall=recalled / max(total, 1))
