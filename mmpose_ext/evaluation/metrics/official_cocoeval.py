"""xtcocotools' ``COCOeval`` with the rules of the official evaluators (pycocotools, crowdposetools)."""
from __future__ import annotations

from collections import defaultdict
from typing import Optional, Sequence

import numpy as np
from xtcocotools.cocoeval import COCOeval

# The official evaluators' arrays, written as they write them: pycocotools (COCO, also used for OCHuman) and
# crowdposetools. In float64, .26 / 10.0 is not 0.026, and mmpose's float32 metainfo values are further off.
COCO_SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10.0
CROWDPOSE_SIGMAS = np.array([.79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89, .79, .79]) / 10.0


def official_sigmas(sigmas: Sequence[float]) -> np.ndarray:
    """The OKS sigmas in float64 as the official evaluator holds them.

    mmpose parses metainfo sigmas to float32, which moves an OKS by up to ~4e-8: enough to flip a match whose
    OKS lies at a threshold (0.5, 0.55, ..., 0.95). Sigmas equal in float32 to the COCO or CrowdPose array are
    replaced by that official float64 array; other float32 sigmas by the shortest decimal of each value (what
    the metainfo file wrote) in float64; float64 input is kept.

    Args:
        sigmas: per-keypoint OKS sigmas (any float dtype).
    """
    given = np.asarray(sigmas)
    as32 = given.astype(np.float32)
    for official in (COCO_SIGMAS, CROWDPOSE_SIGMAS):
        if as32.shape == official.shape and np.array_equal(as32, official.astype(np.float32)):
            return official.copy()
    if given.dtype == np.float64:
        return given.copy()
    return np.array([float(np.format_float_scientific(v, unique=True)) for v in as32.ravel()]).reshape(as32.shape)


class OfficialRulesCOCOeval(COCOeval):
    """Keypoint ``COCOeval`` of xtcocotools that scores like pycocotools (COCO) and crowdposetools (CrowdPose).

    xtcocotools implements CrowdPose's ``keypoints_crowd`` protocol (maxDets 20, AP easy/medium/hard by
    ``crowdIndex`` < 0.2 / < 0.8 / rest, rounded to 4 decimals) but departs from the official tools in two
    rules, which this class puts back:

    * **Detections whose keypoint scores are all <= 0.** xtcocotools drops them before matching;
      pycocotools and crowdposetools keep them. With ``keep_zero_score_detections=True`` (default) they are kept,
      as the official tools do. They rank last (their instance score is usually 0) but can still match.
    * **Which ground truth is ignored** (``iouType='keypoints'``). pycocotools ignores a person with
      ``num_keypoints == 0`` (the file's field); xtcocotools counts labelled joints itself. The file's field
      is used when present. (``keypoints_crowd`` already uses the file's ``num_keypoints`` in both.)

    Sigmas are turned to float64 with :func:`official_sigmas` (the official arrays for COCO and CrowdPose).
    One further difference needs no code: pycocotools and crowdposetools treat a ground truth with id 0 as
    unmatched and one with a negative id as matched, xtcocotools the other way round for both; the plugin
    refuses annotation ids <= 0 when it loads a file.

    Args:
        cocoGt: ground truth (``xtcocotools.coco.COCO``).
        cocoDt: results (``cocoGt.loadRes(...)``).
        iouType: ``'keypoints'`` or ``'keypoints_crowd'``.
        sigmas: per-keypoint OKS sigmas (``None``: COCO's).
        use_area: use the ground truth's ``area`` (``False``: bbox w * h * 0.53, as CrowdPose).
        keep_zero_score_detections: keep detections without any positive keypoint score (official rule).
    """

    def __init__(self, cocoGt, cocoDt, iouType: str = 'keypoints', sigmas: Optional[Sequence[float]] = None,
                 use_area: bool = True, keep_zero_score_detections: bool = True) -> None:
        super().__init__(cocoGt, cocoDt, iouType, official_sigmas(COCO_SIGMAS if sigmas is None else sigmas),
                         use_area)
        self.keep_zero_score_detections = keep_zero_score_detections

    def _prepare(self) -> None:
        super()._prepare()
        p = self.params
        if p.iouType not in ('keypoints', 'keypoints_crowd'):
            return
        if self.keep_zero_score_detections:
            ann_ids = (self.cocoDt.getAnnIds(imgIds=p.imgIds, catIds=p.catIds) if p.useCats
                       else self.cocoDt.getAnnIds(imgIds=p.imgIds))
            self._dts = defaultdict(list)
            for dt in self.cocoDt.loadAnns(ann_ids):
                self._dts[dt['image_id'], dt['category_id']].append(dt)
        if p.iouType == 'keypoints':
            for gts in self._gts.values():
                for gt in gts:
                    if 'num_keypoints' in gt:
                        gt['ignore'] = bool(gt.get('iscrowd', 0)) or gt['num_keypoints'] == 0
