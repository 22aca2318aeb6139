"""COCO keypoint AP of refined poses, and the refined results file with every input entry accounted for."""
from __future__ import annotations

import logging
from collections import Counter
from numbers import Real
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import dump
from mmengine.logging import print_log
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS

from mmpose_ext.datasets.posefix_results_dataset import POSEFIX_INPUT_KEY

_RESULT_FIELDS = ('image_id', 'category_id', 'keypoints', 'score')


@METRICS.register_module()
class PoseFixCocoMetric(CocoMetric):
    """mmpose's :class:`CocoMetric` for PoseFix (Moon, Chang, Lee, "PoseFix: Model-agnostic General Human Pose
    Refinement Network", CVPR 2019) on :class:`~mmpose_ext.datasets.PoseFixResultsDataset`.

    As in the reference, a refined pose keeps its input instance score (``score_mode='bbox'``: the dataset puts
    the input score into ``bbox_score``), every refined keypoint gets that score too, and OKS-NMS at 0.9 runs
    per image (the OKS area is the crop area). Entries the dataset passed through (malformed, another category,
    ``score <= 0``, ...) are merged back: ``out_file`` holds the refined entries and the passed-through ones
    unchanged, in the order of the input. Of those, the well-formed ones (another category, ``score <= 0``) are
    scored too, so that AP compares with the input file's. Refined entries are written as ``image_id``,
    ``category_id``, ``keypoints``, ``score`` (no ``bbox``: COCO then takes a detection's area from its keypoints,
    as for result files without boxes). After each evaluation :attr:`summary` counts where every input entry
    went (refined and kept, suppressed by OKS-NMS, passed through by reason); it is logged too.

    With ``pose_source='input'`` the metric scores the input poses of the same samples instead of the model's
    (``gt_instances.keypoints``, which ``SetInputPose`` leaves as the input pose), i.e. the input file evaluated
    the same way: the "before" figure next to the refined "after" in one test run.

    When ``ann_file`` (or the dataset's file) has no annotations, e.g. an image-info file of COCO test-dev, the
    metric only writes the results.

    Args:
        pose_source: ``'refined'`` (the model's predictions) or ``'input'`` (the input poses).
        out_file: write the merged results (refined + passed through) to this JSON file.
        score_mode: as :class:`CocoMetric`; ``'bbox'`` keeps the input score (reference).
        nms_mode: as :class:`CocoMetric`; ``'oks_nms'`` (reference), ``'none'`` keeps every refined pose.
        nms_thr: OKS threshold of the NMS (0.9 in the reference).
        **kwargs: as :class:`mmpose.evaluation.CocoMetric` (``ann_file``, ``use_area``, ``iou_type``,
            ``outfile_prefix``, ``prefix``, ...).
    """

    def __init__(self, pose_source: str = 'refined', out_file: Optional[str] = None, score_mode: str = 'bbox',
                 nms_mode: str = 'oks_nms', nms_thr: float = 0.9, **kwargs: Any) -> None:
        if pose_source not in ('refined', 'input'):
            raise ValueError(f'PoseFixCocoMetric: pose_source must be "refined" or "input", got {pose_source!r}')
        super().__init__(score_mode=score_mode, nms_mode=nms_mode, nms_thr=nms_thr, **kwargs)
        self.pose_source = pose_source
        self.out_file = out_file
        self.summary: Dict[str, Any] = {}
        self._num_predictions = 0

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        if self.pose_source == 'input':
            data_samples = [self._input_pose_as_prediction(sample) for sample in data_samples]
        start = len(self.results)
        super().process(data_batch, data_samples)
        for pred, _ in self.results[start:]:
            scores = np.asarray(pred['bbox_scores'], dtype=np.float64).reshape(-1, 1)
            pred['keypoint_scores'] = np.broadcast_to(scores, np.shape(pred['keypoint_scores'])).copy()
            pred.pop('bbox', None)

    @staticmethod
    def _input_pose_as_prediction(sample: dict) -> dict:
        gt = sample.get('gt_instances', {})
        if 'keypoints' not in gt or 'bbox_scores' not in gt:
            raise KeyError(f'PoseFixCocoMetric(pose_source="input") needs the input pose in gt_instances '
                           f'(keypoints, bbox_scores), as SetInputPose leaves it; sample id {sample.get("id")} '
                           f'({sample.get("img_path")}) has {sorted(gt)}')
        keypoints = np.asarray(gt['keypoints'], dtype=np.float32)
        pred = dict(keypoints=keypoints, keypoint_scores=np.ones(keypoints.shape[:2], dtype=np.float32),
                    bbox_scores=np.asarray(gt['bbox_scores'], dtype=np.float64))
        return {**sample, 'pred_instances': pred}

    def compute_metrics(self, results: list) -> Dict[str, float]:
        self._num_predictions = sum(len(pred['keypoints']) for pred, _ in results)
        if self.coco is None:
            raise ValueError(f'{type(self).__name__} needs the image ids of the results: give ann_file, or test on '
                             f'a PoseFixResultsDataset (test_mode=True), which names its ann_file')
        has_gt = self.coco is not None and bool(self.coco.dataset.get('annotations'))
        format_only = self.format_only
        if not has_gt and not format_only:
            print_log(f'{type(self).__name__}: the annotation file has no annotations; writing the results '
                      f'without evaluating them', 'current')
            self.format_only = True
        try:
            return super().compute_metrics(results)
        finally:
            self.format_only = format_only

    def results2json(self, keypoints: Dict[int, list], outfile_prefix: str) -> str:
        """Writes ``{outfile_prefix}.keypoints.json`` (what is scored) and ``out_file`` (every entry)."""
        refined: List[Tuple[int, dict]] = []
        for instances in keypoints.values():
            for inst in instances:
                entry = dict(image_id=inst['img_id'], category_id=int(inst['category_id']),
                             keypoints=np.asarray(inst['keypoints']).reshape(-1).tolist(), score=float(inst['score']))
                refined.append((inst['id'], entry))
        meta = (self.dataset_meta or {}).get(POSEFIX_INPUT_KEY) or {}
        passed = meta.get('passed_through', [])
        scored = [entry for _, entry in refined] + \
            [{k: p['entry'][k] for k in _RESULT_FIELDS} for p in passed if p['evaluable']]
        res_file = f'{outfile_prefix}.keypoints.json'
        dump(scored, res_file, indent=1)
        if self.out_file:
            merged = sorted(refined + [(p['index'], p['entry']) for p in passed], key=lambda item: item[0])
            dump([entry for _, entry in merged], self.out_file, indent=1)
        self._summarise(meta, passed, kept=len(refined))
        return res_file

    def _summarise(self, meta: dict, passed: List[dict], kept: int) -> None:
        reasons = Counter(p['reason'] for p in passed)
        self.summary = dict(source=meta.get('source'), pose_source=self.pose_source,
                            num_entries=meta.get('num_entries', self._num_predictions + len(passed)),
                            refined=self._num_predictions, kept=kept,
                            suppressed_by_nms=self._num_predictions - kept,
                            passed_through=sum(reasons.values()), passed_through_by_reason=dict(reasons),
                            out_file=self.out_file)
        expected = meta.get('num_refined')
        if expected is not None and expected != self._num_predictions:
            print_log(f'{type(self).__name__}: the dataset had {expected} poses to refine but {self._num_predictions} '
                      f'predictions arrived (a subset of the dataset was tested?)', 'current',
                      logging.WARNING)
        if self.pose_source == 'refined':  # the "before" metric of the same run would say the same again
            print_log(format_summary(self.summary), 'current')


def format_summary(summary: Dict[str, Any]) -> str:
    """One paragraph saying where every input entry went (see :attr:`PoseFixCocoMetric.summary`)."""
    what = 'input poses' if summary['pose_source'] == 'input' else 'refined poses'
    lines = [f'PoseFix input {summary["source"]}: {summary["num_entries"]} entries',
             f'  {what}: {summary["refined"]} ({summary["kept"]} kept, {summary["suppressed_by_nms"]} '
             f'suppressed by OKS-NMS)',
             f'  passed through unchanged: {summary["passed_through"]}']
    lines += [f'    {reason}: {n}' for reason, n in sorted(summary['passed_through_by_reason'].items())]
    if summary.get('out_file'):
        lines.append(f'  written to {summary["out_file"]}')
    return '\n'.join(lines)


def format_ap_table(columns: Dict[str, Dict[str, float]]) -> str:
    """Side-by-side table of COCO metrics, one column per run (e.g. ``{'input': {...}, 'refined': {...}}``)
    with a last column of the difference between the last two. Metric keys may carry a ``prefix/``."""
    names = list(columns)
    tables = {name: {key.split('/')[-1]: value for key, value in metrics.items() if isinstance(value, Real)}
              for name, metrics in columns.items()}
    rows = [key for key in tables[names[0]] if all(key in t for t in tables.values())]
    header = ['metric', *names] + (['change'] if len(names) >= 2 else [])
    body = []
    for key in rows:
        values = [tables[name][key] for name in names]
        change = [f'{values[-1] - values[-2]:+.4f}'] if len(names) >= 2 else []
        body.append([key, *(f'{v:.4f}' for v in values), *change])
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    fmt = '  '.join(f'{{:<{w}}}' if i == 0 else f'{{:>{w}}}' for i, w in enumerate(widths))
    return '\n'.join([fmt.format(*header), *(fmt.format(*row) for row in body)])
