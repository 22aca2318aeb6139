"""PoseTrack18 mAP as poseval computes it, for top-down results and for PoseFix's refined poses."""
from __future__ import annotations

import glob
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import dump
from mmengine.logging import print_log
from mmpose.evaluation.functional import oks_nms
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS

from .posefix_results_metric import PoseFixCocoMetric
from .posetrack18_ap import evaluate_frames, format_ap_table
from .posetrack18_files import PoseTrackGroundTruth

#: the keys of the summary, in poseval's column order (as mmpose's PoseTrack18Metric names them)
POSETRACK_KEYS = ('Head AP', 'Shou AP', 'Elb AP', 'Wri AP', 'Hip AP', 'Knee AP', 'Ankl AP', 'AP')


def oks_nms_scored_joints(instances: List[dict], thr: float, sigmas: Sequence[float]) -> List[dict]:
    """mmpose's OKS-NMS on the joints with a positive sigma only (PoseTrack18's ears have sigma 0 in the
    reference and are left out of its OKS, keypoints and sigmas alike)."""
    sigmas = np.asarray(sigmas, dtype=np.float64)
    joints = sigmas > 0
    sliced = [dict(keypoints=np.asarray(inst['keypoints'])[joints], score=inst['score'], area=inst['area'])
              for inst in instances]
    return [instances[k] for k in oks_nms(sliced, thr, sigmas=sigmas[joints])]


class _PoseTrackAPMixin:
    """Shared part of the PoseTrack metrics: OKS-NMS without the ignored joints, then poseval's AP on the
    written results file instead of COCO's."""

    posetrack_nms_thr: Optional[float]
    allow_missing_sequences: bool

    def _setup_posetrack(self, gt_path: Optional[str], nms_mode: str, nms_thr: float,
                         allow_missing_sequences: bool) -> None:
        if nms_mode not in ('oks_nms', 'none'):
            raise ValueError(f'{type(self).__name__}: nms_mode must be "oks_nms" or "none", got {nms_mode!r}')
        self.posetrack_nms_thr = nms_thr if nms_mode == 'oks_nms' else None
        self.gt_path = gt_path
        self.allow_missing_sequences = allow_missing_sequences
        self._posetrack_gt: Optional[PoseTrackGroundTruth] = None

    def _ground_truth(self) -> PoseTrackGroundTruth:
        if self._posetrack_gt is None:
            path = self.gt_path or self.ann_file
            if not path:
                raise ValueError(f'{type(self).__name__} needs gt_path (the per-sequence folder) or ann_file')
            self._posetrack_gt = PoseTrackGroundTruth(path)
        return self._posetrack_gt

    def _nms(self, keypoints: Dict[Any, list]) -> Dict[Any, list]:
        if self.posetrack_nms_thr is None:
            return keypoints
        sigmas = self.dataset_meta['sigmas']
        return {img_id: oks_nms_scored_joints(instances, self.posetrack_nms_thr, sigmas)
                for img_id, instances in keypoints.items()}

    def _do_python_keypoint_eval(self, outfile_prefix: str) -> List[Tuple[str, float]]:
        res_file = f'{outfile_prefix}.keypoints.json'
        with open(res_file) as f:
            results = [r for r in json.load(f) if r.get('category_id', 1) == 1]
        gt = self._ground_truth()
        predictions = gt.predictions_from_results(results, res_file, self.allow_missing_sequences)
        metrics = evaluate_frames(gt.frames(predictions))
        print_log(f'{type(self).__name__} (poseval\'s AP, {int(metrics["num_frames"])} frames)\n'
                  + format_ap_table({self.prefix or 'AP': metrics}), 'current')
        return [(k, metrics[k]) for k in POSETRACK_KEYS] + \
            [(k, v) for k, v in metrics.items() if k not in POSETRACK_KEYS]


@METRICS.register_module()
class PoseTrack18APMetric(_PoseTrackAPMixin, CocoMetric):
    """PoseTrack18 multi-person pose mAP (Andriluka et al., CVPR 2018), equal to poseval's ``evaluateAP``,
    without poseval and without writing anything outside the work directory.

    Instances are rescored and suppressed as mmpose's ``PoseTrack18Metric`` does (``score_mode='bbox_keypoint'``,
    ``keypoint_score_thr=0.2``, OKS-NMS at 0.9; here the OKS leaves out joints with sigma 0, the ears of the
    reference's layout), written to ``{outfile_prefix}.keypoints.json`` (COCO results with per-joint ``scores``)
    and scored by :func:`~mmpose_ext.evaluation.metrics.posetrack18_ap.evaluate_frames` against ``gt_path``: the
    per-sequence folder (``annotations/val/``) or the COCO-style file (default: ``ann_file``). Keys (prefix
    ``posetrack18``): ``Head AP`` ... ``Ankl AP``, ``AP`` (poseval's Total), ``AP <joint>`` per joint.

    Args:
        ann_file: the COCO-style ground truth (``posetrack18_val.json``).
        gt_path: the ground truth to score against, if not ``ann_file`` (the official per-sequence folder).
        allow_missing_sequences: score a sequence without any result (all its persons missed) instead of
            refusing the results.
        score_mode, keypoint_score_thr, nms_mode (``'oks_nms'`` or ``'none'``), nms_thr, outfile_prefix, prefix:
            as :class:`mmpose.evaluation.CocoMetric`.
    """

    default_prefix: Optional[str] = 'posetrack18'

    def __init__(self, ann_file: Optional[str] = None, gt_path: Optional[str] = None,
                 allow_missing_sequences: bool = False, score_mode: str = 'bbox_keypoint',
                 keypoint_score_thr: float = 0.2, nms_mode: str = 'oks_nms', nms_thr: float = 0.9,
                 **kwargs: Any) -> None:
        if not (ann_file or gt_path):
            raise ValueError('PoseTrack18APMetric needs ann_file (posetrack18_val.json) or gt_path')
        super().__init__(ann_file=ann_file or self._images_file(gt_path), score_mode=score_mode,
                         keypoint_score_thr=keypoint_score_thr, nms_mode='none', **kwargs)
        self.ann_file = ann_file
        self._setup_posetrack(gt_path, nms_mode, nms_thr, allow_missing_sequences)

    @staticmethod
    def _images_file(gt_path: str) -> str:
        """CocoMetric wants one COCO file; a per-sequence folder's first file serves for its image index only."""
        if osp.isdir(gt_path):
            files = sorted(glob.glob(osp.join(gt_path, '*.json')))
            if not files:
                raise FileNotFoundError(f'no *.json ground truth files in {gt_path}')
            return files[0]
        return gt_path

    def compute_metrics(self, results: list) -> Dict[str, float]:
        self._ground_truth()  # a bad ground truth fails before anything is written
        return super().compute_metrics(results)

    def results2json(self, keypoints: Dict[int, list], outfile_prefix: str) -> str:
        """Writes ``{outfile_prefix}.keypoints.json``: COCO results with per-joint ``scores`` and a ``track_id``
        unique within each frame (poseval refuses repeated track ids)."""
        entries = []
        for img_id, instances in self._nms(keypoints).items():
            for track_id, inst in enumerate(instances):
                kpts = np.asarray(inst['keypoints'], dtype=np.float64).reshape(-1, 3)
                entries.append(dict(image_id=img_id, category_id=int(inst['category_id']), track_id=track_id,
                                    keypoints=kpts.reshape(-1).tolist(), scores=kpts[:, 2].tolist(),
                                    score=float(inst['score'])))
        res_file = f'{outfile_prefix}.keypoints.json'
        dump(entries, res_file, indent=1)
        return res_file


@METRICS.register_module()
class PoseFixPoseTrack18Metric(_PoseTrackAPMixin, PoseFixCocoMetric):
    """:class:`PoseFixCocoMetric` scored with PoseTrack18's mAP (as poseval) instead of COCO AP, for PoseFix
    (Moon, Chang and Lee, CVPR 2019) on :class:`~mmpose_ext.datasets.PoseFixPoseTrack18ResultsDataset`.

    As the reference: the refined pose keeps the input's instance score and **the input's per-joint scores**
    (PoseFix does not re-score; poseval ranks joints by them), OKS-NMS at 0.9 per frame without the ears. The
    input poses (``pose_source='input'``) are scored with the same scores and NMS. Entries of another category
    are written through but not scored.

    Args:
        gt_path: the per-sequence ground-truth folder, if not ``ann_file``.
        allow_missing_sequences: see :class:`PoseTrack18APMetric`.
        nms_mode: ``'oks_nms'`` (reference) or ``'none'``; ``nms_thr`` 0.9.
        **kwargs: as :class:`PoseFixCocoMetric` (``ann_file``, ``pose_source``, ``out_file``, ``prefix``, ...).
    """

    default_prefix: Optional[str] = 'posetrack18'

    def __init__(self, gt_path: Optional[str] = None, allow_missing_sequences: bool = False,
                 nms_mode: str = 'oks_nms', nms_thr: float = 0.9, **kwargs: Any) -> None:
        super().__init__(nms_mode='none', **kwargs)
        self._setup_posetrack(gt_path, nms_mode, nms_thr, allow_missing_sequences)

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        start = len(self.results)
        super().process(data_batch, data_samples)
        for (pred, _), sample in zip(self.results[start:], data_samples):
            scores = (sample.get('raw_ann_info') or {}).get('input_keypoint_scores')
            if scores is None:
                raise KeyError(f'{type(self).__name__} needs the input\'s joint scores in raw_ann_info '
                               f'(PoseFixPoseTrack18ResultsDataset keeps them); sample {sample.get("id")} has none')
            pred['keypoint_scores'] = np.asarray(scores, dtype=np.float32).reshape(1, -1)

    def results2json(self, keypoints: Dict[int, list], outfile_prefix: str) -> str:
        return super().results2json(self._nms(keypoints), outfile_prefix)
