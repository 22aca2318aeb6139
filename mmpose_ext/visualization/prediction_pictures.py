"""Pictures of what a top-down model predicted: every box's poses on the whole image, one colour per lambda.

Used by ``tools/test.py --show-dir`` (:class:`PredictionPictureHook`) and ``make demo``
(:func:`draw_box_predictions`). A MIPNet box carries N poses (lambda 0: the box's own person, lambda 1..N-1: the
other persons in it); a one-pose-per-box model carries lambda 0 only.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.hooks import Hook

from .bottomup_pictures import draw_grouped_poses
from .pose_grid import draw_poses

#: BGR colour of each lambda: green (the box's own person), orange, pink, cyan
LAMBDA_COLOURS: Tuple[Tuple[int, int, int], ...] = ((60, 220, 60), (0, 140, 255), (255, 80, 200), (255, 220, 0))
GT_COLOUR = (230, 230, 230)
#: a lambda > 0 pose with fewer joints than this above the threshold is not drawn (too unsure to show)
MIN_JOINTS = 4


def draw_box_predictions(canvas: np.ndarray, box: Optional[np.ndarray], keypoints: np.ndarray, scores: np.ndarray,
                         lambdas: Sequence[int], skeleton: Sequence[Tuple[int, int]],
                         kpt_thr: float = 0.3) -> Tuple[np.ndarray, int]:
    """Draws the poses of one box, each in its lambda's colour; returns the canvas and how many lambda > 0 poses
    were drawn.

    A lambda > 0 pose that repeats the box's lambda-0 person (what MIPNet returns when the box holds one person;
    the evaluation's OKS-NMS removes it too) or that has fewer than :data:`MIN_JOINTS` joints at ``kpt_thr`` is
    left out.

    Args:
        canvas: HxWx3 BGR image (not changed; a drawn copy is returned).
        box: (4,) xyxy box drawn around lambda 0, or ``None``.
        keypoints: (N, K, 2) image coordinates, one pose per lambda.
        scores: (N, K) confidences.
        lambdas: (N,) the lambda of each pose.
        skeleton: keypoint index pairs to connect.
        kpt_thr: joints below this confidence are not drawn.
    """
    extra = 0
    size = float(np.hypot(box[2] - box[0], box[3] - box[1])) if box is not None else 0.
    for kpts, conf, lam in zip(keypoints, scores, lambdas):
        lam = int(lam)
        if lam > 0 and (np.linalg.norm(kpts - keypoints[0], axis=-1).mean() < 0.05 * max(size, 1.)
                        or (conf >= kpt_thr).sum() < MIN_JOINTS):
            continue
        extra += int(lam > 0)
        canvas = draw_poses(canvas, kpts[None], conf[None], skeleton,
                            colors=[LAMBDA_COLOURS[lam % len(LAMBDA_COLOURS)]], score_thr=kpt_thr,
                            boxes=box[None] if lam == 0 and box is not None else None)
    return canvas, extra


def draw_legend(canvas: np.ndarray, text: str) -> np.ndarray:
    """Writes ``text`` in the top-left corner of ``canvas`` (in place; white on a black outline)."""
    scale = float(np.clip(canvas.shape[1] / 1200, 0.25, 0.6))
    y = int(8 + 20 * scale)
    cv2.putText(canvas, text, (4, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 2, cv2.LINE_AA)
    cv2.putText(canvas, text, (4, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return canvas


class PredictionPictureHook(Hook):
    """Writes one picture per test image: all boxes' predicted poses on the whole image, lambda-coloured.

    mmpose's ``PoseVisualizationHook`` writes one file per box under ``<work_dir>/<timestamp>/`` and draws a
    single pose per sample; this hook groups a top-down model's samples by image (they arrive in dataset order)
    and draws every instance of every box, so a MIPNet picture shows the second person each box found.

    A bottom-up model (mmpose's ``BottomupPoseEstimator``, e.g. HigherHRNet) has one sample per image with every
    grouped person: each pose gets its own colour and the legend counts poses, not boxes; with no pose it names the
    decoder's ``decode_keypoint_thr``. The legend of every picture is kept in :attr:`legends`.

    Args:
        out_dir: folder for the pictures (created; used as given).
        kpt_thr: joints below this confidence are not drawn.
        draw_gt: also draw the ground-truth poses (light grey, under the predictions).
        interval: picture every N-th image.
        max_images: stop after this many pictures (``None``: all).
        bottomup: draw as a bottom-up model's pictures; ``None``: decided from the runner's model.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, kpt_thr: float = 0.3, draw_gt: bool = False, interval: int = 1,
                 max_images: Optional[int] = None, bottomup: Optional[bool] = None) -> None:
        self.out_dir = out_dir
        self.bottomup = bottomup
        self.decode_keypoint_thr: Optional[float] = None
        self.legends: List[str] = []
        self.kpt_thr = kpt_thr
        self.draw_gt = draw_gt
        self.interval = max(1, interval)
        self.max_images = max_images
        self.written: List[str] = []
        self._path: Optional[str] = None
        self._items: List[Any] = []
        self._seen = 0
        self._skeleton: Sequence[Tuple[int, int]] = ()

    def before_test_epoch(self, runner) -> None:
        os.makedirs(self.out_dir, exist_ok=True)
        meta = getattr(runner.test_evaluator, 'dataset_meta', None) or runner.test_dataloader.dataset.metainfo
        self._skeleton = meta.get('skeleton_links', ())
        model = getattr(runner.model, 'module', runner.model)  # a DDP wrapper holds the model as .module
        if self.bottomup is None:
            self.bottomup = is_bottomup_model(model)
        decoder = getattr(getattr(model, 'head', None), 'decoder', None)
        self.decode_keypoint_thr = getattr(decoder, 'decode_keypoint_thr', None)
        self.written, self.legends, self._path, self._items, self._seen = [], [], None, [], 0
        runner.logger.info(f'--show-dir: writing one picture per image to {osp.abspath(self.out_dir)}')

    def after_test_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        for sample in outputs or []:
            path = sample.get('img_path')
            if path != self._path:
                self._flush()
                self._path = path
                self._seen += 1
            self._items.append(sample)

    def after_test_epoch(self, runner, metrics: Any = None) -> None:
        self._flush()
        message = f'--show-dir: {len(self.written)} pictures written to {osp.abspath(self.out_dir)}'
        runner.logger.info(message)
        print(message, flush=True)

    def _wanted(self) -> bool:
        return (self._path is not None and (self._seen - 1) % self.interval == 0
                and (self.max_images is None or len(self.written) < self.max_images))

    def _flush(self) -> None:
        items, self._items = self._items, []
        if not items or not self._wanted():
            return
        canvas = cv2.imread(self._path)
        if canvas is None:
            return
        if self.draw_gt:
            for sample in items:
                gt = sample.get('gt_instances')
                if gt is not None and 'keypoints' in gt and 'keypoints_visible' in gt:
                    vis = np.asarray(gt.keypoints_visible, dtype=np.float32)
                    canvas = draw_poses(canvas, np.asarray(gt.keypoints), (vis > 0).astype(np.float32),
                                        self._skeleton, colors=[GT_COLOUR] * len(vis), score_thr=0.5, thickness=1)
        if self.bottomup:
            canvas, text = self._draw_bottomup(canvas, items)
        else:
            canvas, text = self._draw_topdown(canvas, items)
        text += ', grey: GT' if self.draw_gt else ''
        canvas = draw_legend(canvas, text)
        name, _ = osp.splitext(osp.basename(self._path))
        out_file = osp.join(self.out_dir, f'{name}.jpg')
        if out_file in self.written:
            out_file = osp.join(self.out_dir, f'{name}_{len(self.written)}.jpg')
        cv2.imwrite(out_file, canvas)
        self.written.append(out_file)
        self.legends.append(text)

    def _draw_bottomup(self, canvas: np.ndarray, items: List[Any]) -> Tuple[np.ndarray, str]:
        """Every grouped person of the image in its own colour; the legend counts poses."""
        kpts = [np.asarray(s.pred_instances.keypoints, dtype=np.float32) for s in items]
        scores = [np.asarray(s.pred_instances.keypoint_scores, dtype=np.float32) for s in items]
        kpts, scores = np.concatenate(kpts), np.concatenate(scores)
        if len(kpts) == 0:
            thr = self.decode_keypoint_thr
            return canvas, ('bottom-up: 0 poses: no joint above decode_keypoint_thr='
                            f'{thr:g}' if thr is not None else 'bottom-up: 0 poses')
        canvas, drawn = draw_grouped_poses(canvas, kpts, scores, self._skeleton, self.kpt_thr, min_joints=1)
        return canvas, (f'bottom-up: {len(kpts)} poses, {drawn} with joints above thr {self.kpt_thr:g}, one colour '
                        f'each')

    def _draw_topdown(self, canvas: np.ndarray, items: List[Any]) -> Tuple[np.ndarray, str]:
        """Every box's poses, lambda-coloured; the legend counts boxes and the extra MIPNet poses."""
        extra = 0
        for sample in items:
            pred = sample.pred_instances
            kpts = np.asarray(pred.keypoints, dtype=np.float32)
            scores = np.asarray(pred.keypoint_scores, dtype=np.float32)
            lambdas = np.asarray(pred.instance_ids) if 'instance_ids' in pred else np.zeros(len(kpts), dtype=int)
            boxes = sample.get('gt_instances', {}).get('bboxes', None) if sample.get('gt_instances') else None
            box = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)[0] if boxes is not None and len(boxes) else None
            if box is None or lambdas.max(initial=0) == 0 and len(kpts) > 1:  # several poses, no lambdas: no box
                for k, s in zip(kpts, scores):
                    canvas = draw_poses(canvas, k[None], s[None], self._skeleton, colors=[LAMBDA_COLOURS[0]],
                                        score_thr=self.kpt_thr)
                continue
            canvas, n = draw_box_predictions(canvas, box, kpts, scores, lambdas, self._skeleton, self.kpt_thr)
            extra += n
        return canvas, f'{len(items)} boxes +{extra} lambda>0, thr {self.kpt_thr:g}'


def is_bottomup_model(model: Any) -> bool:
    """Whether ``model`` predicts all persons of an image at once (mmpose's ``BottomupPoseEstimator``)."""
    from mmpose.models.pose_estimators import BottomupPoseEstimator
    return isinstance(model, BottomupPoseEstimator)
