"""xtcocotools' ``COCOeval`` with the rules of the official evaluators (pycocotools, crowdposetools)."""
from __future__ import annotations

from collections import defaultdict
from typing import Optional, Sequence

from xtcocotools.cocoeval import COCOeval


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

    One further difference needs no code: pycocotools and crowdposetools treat a ground truth with id 0 as
    unmatched, xtcocotools does not; the plugin refuses annotation id 0 when it loads a file.

    Args:
        cocoGt: ground truth (``xtcocotools.coco.COCO``).
        cocoDt: results (``cocoGt.loadRes(...)``).
        iouType: ``'keypoints'`` or ``'keypoints_crowd'``.
        sigmas: per-keypoint OKS sigmas.
        use_area: use the ground truth's ``area`` (``False``: bbox w * h * 0.53, as CrowdPose).
        keep_zero_score_detections: keep detections without any positive keypoint score (official rule).
    """

    def __init__(self, cocoGt, cocoDt, iouType: str = 'keypoints', sigmas: Optional[Sequence[float]] = None,
                 use_area: bool = True, keep_zero_score_detections: bool = True) -> None:
        super().__init__(cocoGt, cocoDt, iouType, sigmas, use_area)
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
