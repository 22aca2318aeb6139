"""COCO-style keypoint AP that scores like the official evaluators and checks its inputs."""
from __future__ import annotations

import os.path as osp
import tempfile
from collections import OrderedDict
from numbers import Real
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import dump
from mmengine.logging import MMLogger
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS

from mmpose_ext.datasets.common import AnnotationError, check_coco_keypoint_file, load_json_file
from .official_cocoeval import OfficialRulesCOCOeval

_STATS_NAMES = {
    # mmpose's CocoMetric spelling, so that every model's log and --out file use the same keys
    'keypoints': ['AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)', 'AR (L)'],
    'keypoints_crowd': ['AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)', 'AP(H)'],
}


@METRICS.register_module()
class OfficialCocoMetric(CocoMetric):
    """Keypoint AP/AR that equals pycocotools (COCO, OCHuman) and crowdposetools (CrowdPose), with explicit choices.

    A :class:`mmpose.evaluation.CocoMetric` (same arguments, rescoring and OKS-NMS) whose evaluation runs
    :class:`OfficialRulesCOCOeval` (COCO keypoint protocol, Lin et al., ECCV 2014;
    https://cocodataset.org/#keypoints-eval). What it adds:

    * ``zero_score_detections``: ``'keep'`` (default; pycocotools and crowdposetools keep detections whose
      keypoint scores are all <= 0) or ``'drop'`` (xtcocotools, hence mmpose's ``CocoMetric``). The count is
      logged; on a file with many such detections the two rules differ by tenths of AP.
    * ``results_bbox``: whether result entries carry the input box. pycocotools takes a detection's area
      from ``bbox`` when present, otherwise from its keypoints' extent, which moves AP(M)/AP(L) (never AP).
      Default ``False``: no ``bbox``, like the result files of HRNet, MIPNet and the COCO leaderboard, so
      AP(M)/AP(L) compare with published numbers. A results file that mixes both is refused.
    * Checks at build time: the annotation file (JSON, integer annotation ids >= 1, 3 * K keypoint values,
      with ``crowdIndex``/``num_keypoints`` for ``keypoints_crowd``), and before evaluating a results file:
      every entry has an image of the annotation file and 3 * K keypoint values.
    * OKS sigmas in float64, for COCO/OCHuman and CrowdPose the official arrays themselves (see
      :func:`~.official_cocoeval.official_sigmas`): mmpose's float32 sigmas flip a match whose OKS lies at a
      threshold.
    * No detections (an empty results file, or no prediction reaching the metric): a warning that says so, and
      the scores of an empty file (0, or -1 where a split has no ground truth) instead of the official tools'
      ``IndexError`` or mmpose's ``ValueError``, so that a test run still ends with its log and other metrics.
    * :meth:`evaluate_results_file` scores an existing results file (for example from ``format_only``).
    * Result names as mmpose's ``CocoMetric``: AP, AP .5, AP .75, AP (M), AP (L), AR, AR .5, AR .75, AR (M), AR (L)
      (``keypoints``).

    Args:
        ann_file: ground-truth annotation file; ``None`` takes the test dataset's file.
        zero_score_detections: ``'keep'`` or ``'drop'``, see above.
        results_bbox: write the input box into the results (``False``), see above.
        metainfo: dataset metainfo (``dict(from_file=...)``) for use without a runner (sigmas, joint count).
        **kwargs: as :class:`mmpose.evaluation.CocoMetric` (``use_area``, ``iou_type``, ``score_mode``,
            ``keypoint_score_thr``, ``nms_mode``, ``nms_thr``, ``format_only``, ``outfile_prefix``, ``prefix``).
    """

    default_prefix: Optional[str] = 'coco'

    def __init__(self, ann_file: Optional[str] = None, zero_score_detections: str = 'keep',
                 results_bbox: bool = False, metainfo: Optional[dict] = None, **kwargs: Any) -> None:
        if zero_score_detections not in ('keep', 'drop'):
            raise ValueError(f'zero_score_detections must be "keep" or "drop", got {zero_score_detections!r}')
        iou_type = kwargs.get('iou_type', 'keypoints')
        if iou_type not in _STATS_NAMES:
            raise ValueError(f'{type(self).__name__} supports iou_type {sorted(_STATS_NAMES)}, got {iou_type!r}')
        self._ann_data = None
        if ann_file is not None:  # before CocoMetric opens it: a clear message for a bad file
            self._ann_data = load_json_file(ann_file)
            self._check_ann_data(ann_file, None, type(self).__name__, iou_type)
        super().__init__(ann_file=ann_file, **kwargs)
        self.zero_score_detections = zero_score_detections
        self.results_bbox = results_bbox
        if metainfo is not None:
            self.dataset_meta = parse_pose_metainfo(metainfo)

    def _check_ann_data(self, ann_file: str, num_keypoints: Optional[int], name: str, iou_type: str) -> None:
        crowd = iou_type == 'keypoints_crowd'
        check_coco_keypoint_file(self._ann_data, ann_file, num_keypoints, name, require_crowd_index=crowd,
                                 require_num_keypoints=crowd)

    @CocoMetric.dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        CocoMetric.dataset_meta.fset(self, dataset_meta)
        if self._ann_data is not None:
            self._check_ann_data(self.ann_file, self._dataset_meta['num_keypoints'],
                                 self._dataset_meta.get('dataset_name', 'the dataset'), self.iou_type)

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        start = len(self.results)
        super().process(data_batch, data_samples)
        if not self.results_bbox:
            for pred, _ in self.results[start:]:
                pred.pop('bbox', None)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if results:
            return super().compute_metrics(results)
        # mmpose's CocoMetric fails on zip(*[]); score an empty results file instead
        with tempfile.TemporaryDirectory() as tmp_dir:
            prefix = self.outfile_prefix or osp.join(tmp_dir, 'results')
            dump([], f'{prefix}.keypoints.json')
            if self.format_only:
                return {}
            return OrderedDict(self._evaluate_file(f'{prefix}.keypoints.json', 'no prediction reached the metric'))

    def _do_python_keypoint_eval(self, outfile_prefix: str) -> List[Tuple[str, float]]:
        return self._evaluate_file(f'{outfile_prefix}.keypoints.json')

    def evaluate_results_file(self, res_file: str) -> Dict[str, float]:
        """Scores a COCO-format keypoint results file against ``ann_file`` (checked first).

        Args:
            res_file: JSON list of ``{image_id, category_id, keypoints, score}`` entries.

        Returns:
            ``{'<prefix>/AP': ..., ...}``.
        """
        if self.coco is None or self._dataset_meta is None:
            name = type(self).__name__
            lacks = ' and '.join(n for n, v in (('ann_file', self.coco), ('metainfo', self._dataset_meta)) if v is None)
            raise ValueError(
                f'{name}.evaluate_results_file({res_file!r}) needs ann_file and metainfo, which this metric lacks '
                f'({lacks}): build it as {name}(ann_file=..., metainfo=mmpose_ext.datasets.common.mmpose_metainfo('
                f'"coco.py")) (or metainfo=dict(from_file=<mmpose dataset config>); CrowdPoseMetric has its own), '
                f'or run tools/analysis/eval_results.py ANN RESULTS')
        return {f'{self.prefix}/{k}': v for k, v in self._evaluate_file(res_file)}

    def _evaluate_file(self, res_file: str, why_empty: str = '') -> List[Tuple[str, float]]:
        logger = MMLogger.get_current_instance()
        results = load_json_file(res_file, 'results file')
        zero = self._check_results(results, res_file)
        if not results:
            why_empty = why_empty or f'results file {res_file} is an empty list'
            logger.warning(f'{type(self).__name__}: NO DETECTIONS: {why_empty}. Every AP/AR below is 0 (-1 where '
                           f'a split has no ground truth); pycocotools and crowdposetools would stop with an '
                           f'IndexError here.')
        if zero:
            action = 'kept (as pycocotools/crowdposetools)' if self.zero_score_detections == 'keep' \
                else 'dropped (as xtcocotools)'
            logger.info(f'{zero} of {len(results)} results have no keypoint score > 0: {action}')
        coco_det = self.coco.loadRes(res_file)
        coco_eval = OfficialRulesCOCOeval(self.coco, coco_det, self.iou_type, self._dataset_meta['sigmas'],
                                          self.use_area, self.zero_score_detections == 'keep')
        coco_eval.params.useSegm = None
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
        name_value = list(zip(_STATS_NAMES[self.iou_type], (float(v) for v in coco_eval.stats)))
        logger.info(f'{self.prefix}: ' + ' | '.join(f'{k} {v:.4f}' for k, v in name_value))
        return name_value

    def _check_results(self, results: Any, res_file: str) -> int:
        """Raises on results that do not belong to ``ann_file``; returns the count of all-zero-score entries."""
        if not isinstance(results, list):
            raise AnnotationError(f'results file {res_file} must be a JSON list, got {type(results).__name__}')
        k = self._dataset_meta['num_keypoints']
        img_ids, cat_ids = set(self.coco.getImgIds()), set(self.coco.getCatIds())
        with_bbox = None
        zero = 0
        for i, res in enumerate(results):
            where = f'results file {res_file}: entry [{i}]'
            if not isinstance(res, dict) or not {'image_id', 'category_id', 'keypoints', 'score'} <= set(res):
                raise AnnotationError(f'{where} needs image_id, category_id, keypoints and score: {str(res)[:200]}')
            if res['image_id'] not in img_ids:
                raise AnnotationError(f'{where} has image_id {res["image_id"]}, which is not an image of '
                                      f'{self.ann_file}: results of another dataset or split?')
            if res['category_id'] not in cat_ids:
                raise AnnotationError(f'{where} has category_id {res["category_id"]}, not a category of '
                                      f'{self.ann_file}')
            kpts = res['keypoints']
            if not isinstance(kpts, list) or len(kpts) != 3 * k or not all(isinstance(v, Real) for v in kpts):
                n = len(kpts) if isinstance(kpts, list) else type(kpts).__name__
                raise AnnotationError(f'{where} has {n} keypoint values, {self._dataset_meta.get("dataset_name")} '
                                      f'expects {3 * k} ({k} keypoints x (x, y, score)): results of another '
                                      f'dataset?')
            if with_bbox is None:
                with_bbox = 'bbox' in res
            elif with_bbox != ('bbox' in res):
                raise AnnotationError(f'{where} {"lacks" if with_bbox else "has"} a "bbox" unlike entry [0]: the '
                                      f'evaluator decides by the first entry, so mixed files are refused')
            zero += not bool((np.asarray(kpts[2::3], dtype=np.float64) > 0).any())
        return zero
