"""Score a keypoint results file with the official rules of its dataset: ``eval_results.py ANN RESULTS``.

    python tools/analysis/eval_results.py data/coco/annotations/person_keypoints_val2017.json results.json
    python tools/analysis/eval_results.py data/crowdpose/annotations/crowdpose_test.json results.keypoints.json
    python tools/analysis/eval_results.py data/mpii/annotations/mpii_gt_val.mat pred.mat

The layout is read from ANN: a COCO-format keypoint file with 17 joints is COCO (or OCHuman, when its name says
so), one with 14 joints and ``crowdIndex`` on every image is CrowdPose, MPII's ``mpii_gt_val.mat`` (head boxes and
ground truth) is MPII. RESULTS is a COCO-format results list (``image_id``, ``category_id``, ``keypoints``,
``score``) for the first three, for MPII one pose per person of the ``.mat``, in its order (HRNet's ``pred.mat``
``preds`` N x 16 x 2, the MPII kit's ``pos_pred_src`` 16 x 2 x N, or a JSON list of N 16 x 2 lists), in the
1-based pixel frame of the annotation (``--zero-based`` adds the one pixel).

The file is scored as it is: no OKS-NMS, no rescoring, each entry ranked by its own ``score``, as pycocotools and
crowdposetools do. (``tools/test.py`` writes ``outfile_prefix`` results after its rescoring and OKS-NMS, so
scoring such a file here repeats its AP; the PoseFix refine tool's ``input`` column is after OKS-NMS and may
differ.) The table printed first says which rules were applied.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mmpose_ext.datasets.common import AnnotationError, load_json_file

LAYOUTS = ('coco', 'ochuman', 'crowdpose', 'mpii')
SUPPORTED = ('a COCO-format keypoint file of COCO or OCHuman (17 joints) or CrowdPose (14 joints, "crowdIndex" '
             'on every image), or MPII\'s mpii_gt_val.mat (headboxes_src, pos_gt_src, jnt_missing)')
COCO_RULES = {
    'coco': 'COCO keypoints as pycocotools scores them: OKS with the official float64 sigmas, area from the '
            'annotation file, up to 20 detections per image',
    'ochuman': 'OCHuman = COCO keypoints as pycocotools scores them: OKS with the official float64 sigmas, area '
               'from the annotation file, up to 20 detections per image',
    'crowdpose': 'CrowdPose as crowdposetools scores it: OKS with its float64 sigmas, area = bbox w x h x 0.53, up '
                 'to 20 detections per image, AP(easy/medium/hard) by crowdIndex < 0.2 / < 0.8 / rest',
}
MPII_RULES = ('MPII PCKh as the MPII kit (evaluatePCKh.m) scores it: distance / (0.6 x head box diagonal) <= 0.5 '
              'in float64, unlabelled joints left out, pelvis and thorax not in Mean; Head = mean of upper neck '
              'and head top')


class ResultsFileError(AnnotationError):
    """The annotation or results file cannot be scored; the message names the file and says why (an
    ``AnnotationError``, so the command line shows it as one ``error:`` line)."""


def detect_layout(ann_file: str) -> str:
    """``'coco'``, ``'ochuman'``, ``'crowdpose'`` or ``'mpii'`` from the annotation file's content.

    Args:
        ann_file: the ground truth (COCO-format JSON or MPII ``.mat``).

    Raises:
        FileNotFoundError: the file does not exist.
        ResultsFileError: the file is none of the supported layouts.
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file not found: {ann_file}')
    if ann_file.lower().endswith('.mat'):
        mat = _load_mat(ann_file, 'annotation file')
        missing = [k for k in ('headboxes_src', 'pos_gt_src', 'jnt_missing') if k not in mat]
        if missing:
            raise ResultsFileError(f'annotation file {ann_file} is a .mat without {", ".join(missing)}; '
                                   f'eval_results scores {SUPPORTED}')
        return 'mpii'
    data = load_json_file(ann_file)
    if isinstance(data, list):
        raise ResultsFileError(f'annotation file {ann_file} is a JSON list (MPII\'s mpii_val.json?): MPII PCKh '
                               f'needs the head boxes, give mpii_gt_val.mat instead; eval_results scores {SUPPORTED}')
    categories = data.get('categories') if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get('annotations'), list) or not categories \
            or not isinstance(categories[0], dict) or not isinstance(categories[0].get('keypoints'), list):
        raise ResultsFileError(f'annotation file {ann_file} is not a COCO-format keypoint file (no "annotations" '
                               f'or no "categories" with "keypoints"); eval_results scores {SUPPORTED}')
    joints = len(categories[0]['keypoints'])
    if joints == 14:
        if not all(isinstance(img, dict) and 'crowdIndex' in img for img in data.get('images', [])):
            raise ResultsFileError(f'annotation file {ann_file} has 14 joints but not every image has "crowdIndex", '
                                   f'which CrowdPose\'s AP(easy/medium/hard) needs; eval_results scores {SUPPORTED}')
        return 'crowdpose'
    if joints == 17:
        return 'ochuman' if 'ochuman' in osp.basename(ann_file).lower() else 'coco'
    raise ResultsFileError(f'annotation file {ann_file} has {joints} joints per person; eval_results scores '
                           f'{SUPPORTED}')


def _load_mat(path: str, what: str) -> dict:
    from scipy.io import loadmat
    try:
        return loadmat(path)
    except Exception as err:  # scipy raises several types for a file that is not a .mat
        raise ResultsFileError(f'{what} {path} is not a MATLAB .mat file ({type(err).__name__}: '
                               f'{str(err).splitlines()[0] if str(err) else ""})') from None


def coco_metric(layout: str, ann_file: str, zero_score_detections: str = 'keep'):
    """The plugin's official-rules metric for a COCO-format layout, ready for ``evaluate_results_file``."""
    from mmpose_ext.datasets.common import mmpose_metainfo
    from mmpose_ext.evaluation.metrics import CrowdPoseMetric, OfficialCocoMetric
    if layout == 'crowdpose':
        return CrowdPoseMetric(ann_file=ann_file, zero_score_detections=zero_score_detections)
    metainfo = mmpose_metainfo('ochuman.py' if layout == 'ochuman' else 'coco.py')
    return OfficialCocoMetric(ann_file=ann_file, metainfo=metainfo, zero_score_detections=zero_score_detections,
                              prefix=layout)


def score_coco_layout(layout: str, ann_file: str, res_file: str,
                      zero_score_detections: str = 'keep') -> Dict[str, float]:
    """AP/AR of a COCO-format results file under the official rules of ``layout`` (no NMS, scores as given)."""
    from mmengine.logging import MMLogger
    # warnings only (an empty file), on the real stdout: the table is printed by the caller
    name = 'mmpose_ext_eval_results'
    MMLogger.get_instance(name) if MMLogger.check_instance_created(name) else \
        MMLogger.get_instance(name, log_level='WARNING')
    with contextlib.redirect_stdout(io.StringIO()):  # xtcocotools' progress lines and its own summary
        metric = coco_metric(layout, ann_file, zero_score_detections)
        return metric.evaluate_results_file(res_file)


def count_zero_score(res_file: str) -> Tuple[int, int]:
    """``(entries whose keypoint scores are all <= 0, entries)`` of a checked COCO-format results file."""
    with open(res_file) as f:
        results = json.load(f)
    zero = sum(not (np.asarray(r['keypoints'][2::3], dtype=np.float64) > 0).any() for r in results)
    return int(zero), len(results)


def _mpii_predictions(res_file: str, num_persons: int) -> np.ndarray:
    """[N, 16, 2] predictions of an MPII results file (``.mat`` or JSON), checked against the person count."""
    if not osp.isfile(res_file):
        raise FileNotFoundError(f'results file not found: {res_file}')
    if res_file.lower().endswith('.mat'):
        mat = _load_mat(res_file, 'results file')
        if 'preds' in mat:
            pred = np.asarray(mat['preds'], dtype=np.float64)
        elif 'pos_pred_src' in mat:
            pred = np.transpose(np.asarray(mat['pos_pred_src'], dtype=np.float64), [2, 0, 1])
        else:
            raise ResultsFileError(f'results file {res_file} has neither "preds" (N x 16 x 2, HRNet\'s pred.mat) nor '
                                   f'"pos_pred_src" (16 x 2 x N, the MPII kit\'s layout)')
    else:
        poses = load_json_file(res_file, 'results file')
        try:
            pred = np.asarray(poses, dtype=np.float64)
        except (TypeError, ValueError):
            raise ResultsFileError(f'results file {res_file} is not a JSON list of N poses of 16 [x, y] '
                                   f'joints') from None
    if pred.ndim != 3 or pred.shape[1] != 16 or pred.shape[2] not in (2, 3):
        raise ResultsFileError(f'results file {res_file} holds predictions of shape {pred.shape}; MPII expects '
                               f'N x 16 x 2 (one pose per person of the annotation file, in its order)')
    if pred.shape[0] != num_persons:
        raise ResultsFileError(f'results file {res_file} holds {pred.shape[0]} poses but the annotation file lists '
                               f'{num_persons} persons: MPII results are matched to persons by position')
    return pred[..., :2]


def score_mpii(ann_file: str, res_file: str, zero_based: bool = False) -> Tuple[Dict[str, float], str]:
    """PCKh of an MPII results file against ``mpii_gt_val.mat``; returns the metrics and the printed table."""
    from mmpose_ext.evaluation.metrics import MpiiPCKhMetric
    from mmpose_ext.evaluation.metrics.mpii_pckh_metric import SC_BIAS
    mat = _load_mat(ann_file, 'annotation file')
    gt = np.transpose(np.asarray(mat['pos_gt_src'], dtype=np.float64), [2, 0, 1])  # [N, 16, 2], 1-based
    missing = np.asarray(mat['jnt_missing']).T  # [N, 16]
    boxes = np.transpose(np.asarray(mat['headboxes_src'], dtype=np.float64), [2, 0, 1])  # [N, corner, xy]
    if gt.shape[1:] != (16, 2) or missing.shape != gt.shape[:2] or boxes.shape != (len(gt), 2, 2):
        raise ResultsFileError(f'annotation file {ann_file}: pos_gt_src {gt.shape}, jnt_missing {missing.shape} and '
                               f'headboxes_src {boxes.shape} do not describe the same persons (16 joints each)')
    pred = _mpii_predictions(res_file, len(gt)) + (1.0 if zero_based else 0.0)
    norm = SC_BIAS * np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=-1)
    metric = MpiiPCKhMetric()
    metrics = metric.evaluate_arrays(pred, gt, missing == 0, norm)
    return {f'mpii/{k}': v for k, v in metrics.items()}, metric.format_table(metrics)


def format_coco_table(metrics: Dict[str, float]) -> str:
    """``name value`` rows of AP/AR metrics (keys may carry a ``prefix/``)."""
    width = max(len(k.split('/')[-1]) for k in metrics)
    return '\n'.join(f'{k.split("/")[-1]:<{width}}  {v:.4f}' for k, v in metrics.items())


def rules_line(layout: str, zero_score_detections: str = 'keep', zero_based: bool = False) -> str:
    """The one paragraph that says how the file was scored (printed above the table)."""
    if layout == 'mpii':
        frame = 'predictions given 0-based, +1 added' if zero_based else 'predictions in the file\'s 1-based frame'
        return f'rules: {MPII_RULES}; {frame}; no NMS'
    zero = ('kept (as pycocotools/crowdposetools)' if zero_score_detections == 'keep'
            else 'dropped (as xtcocotools/mmpose)')
    return (f'rules: {COCO_RULES[layout]}; NMS: none (the file is scored as it is); score mode: each entry\'s own '
            f'"score" (no rescoring); detections whose keypoint scores are all <= 0: {zero}')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].split(': ')[0],
                                     epilog='Layouts: ' + SUPPORTED)
    parser.add_argument('ann', help='ground truth: COCO-format JSON (COCO, OCHuman, CrowdPose) or mpii_gt_val.mat')
    parser.add_argument('results', help='results: COCO-format JSON list, or for MPII pred.mat / a JSON list of poses')
    parser.add_argument('--layout', choices=LAYOUTS, help='score as this layout instead of the one read from ANN')
    parser.add_argument('--zero-score-detections', choices=('keep', 'drop'), default='keep',
                        help='COCO-format layouts: keep (official tools, default) or drop (xtcocotools, mmpose) '
                             'detections whose keypoint scores are all <= 0')
    parser.add_argument('--zero-based', action='store_true',
                        help='MPII: the predictions are 0-based pixels (mmpose\'s frame); add 1 before scoring')
    parser.add_argument('--out', help='also write the metrics to this JSON file')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    from mmpose_ext.tools.common import install_user_error_hook
    install_user_error_hook()
    detected = detect_layout(args.ann)
    layout = args.layout or detected
    if (layout == 'mpii') != (detected == 'mpii'):
        raise ResultsFileError(f'--layout {layout} does not fit annotation file {args.ann}, which is {detected}')
    if layout != 'mpii' and not osp.isfile(args.results):
        raise FileNotFoundError(f'results file not found: {args.results}')
    print(f'{args.results} against {args.ann} ({layout})')
    print(rules_line(layout, args.zero_score_detections, args.zero_based))
    if layout == 'mpii':
        metrics, table = score_mpii(args.ann, args.results, args.zero_based)
    else:
        metrics = score_coco_layout(layout, args.ann, args.results, args.zero_score_detections)
        zero, total = count_zero_score(args.results)
        action = 'kept' if args.zero_score_detections == 'keep' else 'dropped'
        table = format_coco_table(metrics) + (f'\n({zero} of {total} entries have no keypoint score > 0: {action})'
                                              if zero else '')
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(metrics, f, indent=1)
        print(f'metrics written to {args.out}')
    return metrics


if __name__ == '__main__':
    main()
