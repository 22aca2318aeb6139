"""Speed test on video: a top-down pose model over a video file or a folder of frames, timed stage by stage.

    python tools/video_demo.py CONFIG CHECKPOINT --input VIDEO_OR_FRAME_FOLDER --out OUT.mp4 [--device cpu]
        [--bbox X1 Y1 X2 Y2 | --bbox-file boxes.json] [--max-frames N] [--show-fps] [--out-fps FPS] [--kpt-thr T]

Frames per second are those of the whole loop: read, preprocess (the config's test pipeline, collation and the
data preprocessor), forward (the network, flip test included), decode (heatmaps to keypoints in frame pixels),
draw and write. Loading the model happens before the loop and is not counted. A MIPNet's poses (``instance_ids`` =
lambda) are coloured by lambda as in ``tools/test.py --show-dir`` (green: lambda 0, the box's own person; orange:
lambda 1), with the same legend; other models get one colour per person.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

if __package__ in (None, ''):  # run as a script: make the package importable
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

STAGES = ('read', 'preprocess', 'forward', 'decode', 'draw', 'write')
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='top-down pose config')
    parser.add_argument('checkpoint', help='checkpoint file (local path or URL)')
    parser.add_argument('--input', required=True, help='video file (anything OpenCV reads) or a folder of frames')
    parser.add_argument('--out', required=True, help='annotated output video (.mp4, mp4v codec)')
    parser.add_argument('--device', help='cpu, cuda, cuda:1, npu, ...; default: what mmengine picks')
    boxes = parser.add_mutually_exclusive_group()
    boxes.add_argument('--bbox', type=float, nargs=4, metavar=('X1', 'Y1', 'X2', 'Y2'),
                       help='one person box for every frame; default: the whole frame')
    boxes.add_argument('--bbox-file', help='per-frame boxes, a COCO-style json list of {"image_id": frame index '
                                           '(0-based), "bbox": [x, y, w, h]}')
    parser.add_argument('--max-frames', type=int, help='stop after this many frames')
    parser.add_argument('--show-fps', action='store_true', help='write the running frames/s onto each frame')
    parser.add_argument('--out-fps', type=float, help='frame rate of the output; default: the input video\'s, '
                                                      'or 25 for a folder of frames')
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='draw joints with at least this confidence')
    args = parser.parse_args(argv)
    if args.max_frames is not None and args.max_frames < 1:
        parser.error(f'--max-frames must be at least 1, got {args.max_frames}')
    if args.bbox is not None and not (args.bbox[2] > args.bbox[0] and args.bbox[3] > args.bbox[1]):
        parser.error(f'--bbox needs x2 > x1 and y2 > y1, got {args.bbox}')
    return args


def load_bbox_file(path: str) -> Dict[int, np.ndarray]:
    """Per-frame person boxes from a COCO-style detection list, as {frame index: (N, 4) xyxy boxes}.

    Each entry is a dict with ``image_id`` (the 0-based frame index in reading order) and ``bbox`` ([x, y, w, h],
    pixels); other keys (``score``, ``category_id``) are ignored. A malformed entry raises a ``ValueError`` naming
    the file and the entry.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'bbox file not found: {path}')
    try:
        with open(path) as f:
            entries = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'bbox file {path} is not valid json: {err}') from err
    if not isinstance(entries, list):
        raise ValueError(f'bbox file {path} must hold a json list of {{"image_id", "bbox"}} entries, '
                         f'got {type(entries).__name__}')
    boxes: Dict[int, List[List[float]]] = defaultdict(list)
    for i, entry in enumerate(entries):
        where = f'bbox file {path}, entry {i}'
        if not isinstance(entry, dict) or 'image_id' not in entry or 'bbox' not in entry:
            raise ValueError(f'{where}: expected {{"image_id": frame index, "bbox": [x, y, w, h]}}, got {entry!r}')
        frame, box = entry['image_id'], entry['bbox']
        if not isinstance(frame, int) or isinstance(frame, bool) or frame < 0:
            raise ValueError(f'{where}: image_id must be a frame index >= 0, got {frame!r}')
        if (not isinstance(box, (list, tuple)) or len(box) != 4
                or not all(isinstance(v, (int, float)) and np.isfinite(v) for v in box)):
            raise ValueError(f'{where}: bbox must be four numbers [x, y, w, h], got {box!r}')
        x, y, w, h = (float(v) for v in box)
        if w <= 0 or h <= 0:
            raise ValueError(f'{where}: bbox width and height must be positive, got {box!r}')
        boxes[frame].append([x, y, x + w, y + h])
    return {frame: np.array(b, dtype=np.float32) for frame, b in boxes.items()}


class _FrameSource:
    """Frames of a video file (``cv2.VideoCapture``) or of the image files of a folder (sorted by name)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.files: Optional[List[str]] = None
        self.capture = None
        if osp.isdir(path):
            self.files = sorted(osp.join(path, n) for n in os.listdir(path) if n.lower().endswith(IMAGE_EXTENSIONS))
            if not self.files:
                raise FileNotFoundError(f'no image files ({", ".join(IMAGE_EXTENSIONS)}) in folder {path}')
            self.fps, self.length = 25.0, len(self.files)
        elif osp.isfile(path):
            self.capture = cv2.VideoCapture(path)
            if not self.capture.isOpened():
                raise ValueError(f'cannot open video {path}: OpenCV does not read it as a video')
            self.fps = self.capture.get(cv2.CAP_PROP_FPS) or 25.0
            self.length = max(int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0)  # an estimate for some codecs
        else:
            raise FileNotFoundError(f'input not found: {path} (give a video file or a folder of frames)')

    def read(self, index: int) -> Optional[Tuple[np.ndarray, str]]:
        """The next frame (BGR) and its name for messages, or None after the last one."""
        if self.files is not None:
            if index >= len(self.files):
                return None
            frame = cv2.imread(self.files[index])
            if frame is None:
                raise ValueError(f'cannot read image {self.files[index]} (frame {index} of {self.path})')
            return frame, self.files[index]
        ok, frame = self.capture.read()
        if not ok:
            if index == 0:
                raise ValueError(f'no frame could be read from video {self.path}')
            return None
        return frame, f'{self.path} frame {index}'

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()


class VideoPoseDemo:
    """Runs a top-down pose estimator frame by frame and times every stage of the loop.

    Top-down inference as in Simple Baselines (Xiao et al., ECCV 2018) and Stacked Hourglass (Newell et al., ECCV
    2016): every person box is cropped by the config's test pipeline and estimated on its own; the boxes of one
    frame form one batch. The steps are those of mmpose's ``inference_topdown`` (test pipeline,
    ``pseudo_collate``, ``model.test_step``), split so that each stage can be timed; decode time is measured
    inside the model by timing its ``head.decode`` and ``add_pred_to_datasample`` calls.

    Args:
        model: a top-down estimator from :func:`mmpose.apis.init_model` (with ``cfg`` and ``dataset_meta``).
        kpt_thr: joints with a lower confidence are not drawn.
        show_fps: write the running frames/s onto each frame.
    """

    def __init__(self, model: Any, kpt_thr: float = 0.3, show_fps: bool = False) -> None:
        from mmcv.transforms import Compose
        self.model = model
        self.pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
        self.skeleton = model.dataset_meta.get('skeleton_links', [])
        self.kpt_thr, self.show_fps = kpt_thr, show_fps
        self.seconds: Dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.device = str(next(model.parameters()).device)
        self._time_decoding()

    # timing --------------------------------------------------------------------------------------------------
    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def _time_decoding(self) -> None:
        """Wraps the model's decoding steps so that their time is booked as ``decode``, not ``forward``."""
        from mmpose_ext.utils import synchronize

        def timed(method: Callable) -> Callable:
            def call(*args: Any, **kwargs: Any) -> Any:
                synchronize(self.device)  # the network's queued kernels belong to the forward stage
                with self.stage('decode'):
                    return method(*args, **kwargs)
            return call

        head = getattr(self.model, 'head', None)
        if head is not None and hasattr(head, 'decode'):
            head.decode = timed(head.decode)
        if hasattr(self.model, 'add_pred_to_datasample'):
            self.model.add_pred_to_datasample = timed(self.model.add_pred_to_datasample)

    # one frame -------------------------------------------------------------------------------------------------
    def estimate(self, frame: np.ndarray, boxes: np.ndarray) -> List[Any]:
        """Pose data samples of the (N, 4) xyxy ``boxes`` of ``frame`` (preprocess, forward and decode)."""
        import torch
        from mmengine.dataset import pseudo_collate
        if len(boxes) == 0:
            return []
        with self.stage('preprocess'):
            data_list = [self.pipeline(dict(img=frame, bbox=box[None], bbox_score=np.ones(1, dtype=np.float32),
                                            **self.model.dataset_meta)) for box in boxes]
            data = self.model.data_preprocessor(pseudo_collate(data_list), False)
        decode_before = self.seconds['decode']
        start = time.perf_counter()
        with torch.no_grad():
            results = self.model(**data, mode='predict')
        self.seconds['forward'] += time.perf_counter() - start - (self.seconds['decode'] - decode_before)
        return results

    def draw(self, frame: np.ndarray, results: Sequence[Any], boxes: np.ndarray, fps: Optional[float]) -> np.ndarray:
        canvas = draw_frame_predictions(frame, results, boxes, self.skeleton, self.kpt_thr)
        if fps is not None:
            # bottom left: the top left holds the lambda legend of a MIPNet
            cv2.putText(canvas, f'{fps:.1f} frames/s', (8, canvas.shape[0] - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        (0, 0, 255), 2, cv2.LINE_AA)
        return canvas

    # the loop --------------------------------------------------------------------------------------------------
    def run(self, source: str, out: str, boxes: Optional[np.ndarray] = None,
            boxes_per_frame: Optional[Dict[int, np.ndarray]] = None, max_frames: Optional[int] = None,
            out_fps: Optional[float] = None) -> Dict[str, Any]:
        """Estimates, draws and writes every frame of ``source`` to ``out``; returns the measured figures.

        Args:
            source: video file or folder of frames.
            out: output video path (mp4v).
            boxes: (N, 4) xyxy boxes used on every frame; default (and without ``boxes_per_frame``) the whole frame.
            boxes_per_frame: {frame index: (N, 4) xyxy boxes}; frames without an entry get no pose.
            max_frames: stop after this many frames.
            out_fps: output frame rate; default the input's.
        """
        from mmengine.utils import ProgressBar
        frames = _FrameSource(source)
        total = min(frames.length, max_frames) if max_frames else frames.length
        writer, size, count, without_boxes = None, None, 0, 0
        progress = ProgressBar(total)
        start = time.perf_counter()
        try:
            while max_frames is None or count < max_frames:
                with self.stage('read'):
                    item = frames.read(count)
                if item is None:
                    break
                frame, name = item
                h, w = frame.shape[:2]
                if boxes_per_frame is not None:
                    frame_boxes = boxes_per_frame.get(count, np.zeros((0, 4), np.float32))
                    without_boxes += int(len(frame_boxes) == 0)
                else:
                    frame_boxes = boxes if boxes is not None else np.array([[0, 0, w, h]], dtype=np.float32)
                results = self.estimate(frame, frame_boxes)
                with self.stage('draw'):
                    fps = (count + 1) / (time.perf_counter() - start) if self.show_fps else None
                    canvas = self.draw(frame, results, frame_boxes, fps)
                with self.stage('write'):
                    if writer is None:
                        size, writer = (w, h), _open_writer(out, out_fps or frames.fps, (w, h))
                    elif (w, h) != size:
                        raise ValueError(f'{name} is {w}x{h} but the video started at {size[0]}x{size[1]}: '
                                         'one output video needs frames of one size')
                    writer.write(canvas)
                count += 1
                progress.update()
        finally:
            elapsed = time.perf_counter() - start
            frames.close()
            if writer is not None:
                writer.release()
        sys.stdout.write('\n')
        unused = sorted(f for f in (boxes_per_frame or {}) if f >= count)
        return dict(frames=count, seconds=elapsed, fps=count / elapsed if elapsed > 0 else 0.0,
                    stage_seconds=dict(self.seconds), frames_without_boxes=without_boxes,
                    box_frames_not_in_input=unused, out=out, out_fps=out_fps or frames.fps, size=size)


def draw_frame_predictions(frame: np.ndarray, results: Sequence[Any], boxes: np.ndarray,
                           skeleton: Sequence[Tuple[int, int]], kpt_thr: float = 0.3) -> np.ndarray:
    """The poses of one frame: a multi-instance model's (MIPNet: ``instance_ids`` = lambda) coloured by lambda as
    ``tools/test.py --show-dir`` does, with its legend; a one-pose-per-box model's one colour per person.

    Args:
        frame: HxWx3 BGR frame (not changed; a drawn copy is returned).
        results: one pose data sample per box.
        boxes: (N, 4) xyxy boxes, one per result.
        skeleton: keypoint index pairs to connect.
        kpt_thr: joints below this confidence are not drawn.
    """
    from mmpose_ext.visualization import LAMBDA_COLOURS, draw_box_predictions, draw_legend, draw_poses
    if not results:
        return frame
    preds = [r.pred_instances for r in results]
    if not any('instance_ids' in p for p in preds):  # all persons of the frame in one call: one colour each
        return draw_poses(frame, np.concatenate([p.keypoints for p in preds]),
                          np.concatenate([p.keypoint_scores for p in preds]), skeleton, score_thr=kpt_thr,
                          boxes=np.concatenate([np.repeat(b[None], len(p.keypoints), 0) for b, p in zip(boxes, preds)]))
    canvas, extra = frame, 0
    for box, pred in zip(boxes, preds):
        lambdas = np.asarray(pred.instance_ids) if 'instance_ids' in pred else np.zeros(len(pred.keypoints), int)
        canvas, n = draw_box_predictions(canvas, np.asarray(box, dtype=np.float32), np.asarray(pred.keypoints),
                                         np.asarray(pred.keypoint_scores), lambdas, skeleton, kpt_thr)
        extra += n
    names = ('green', 'orange', 'pink', 'cyan')[:len(LAMBDA_COLOURS)]
    shown = max(int(np.max(np.asarray(p.instance_ids))) for p in preds if 'instance_ids' in p) + 1
    key = ', '.join(f'{names[k % len(names)]}: lambda {k}' for k in range(max(shown, 2)))
    return draw_legend(canvas, f'{len(preds)} boxes +{extra} lambda>0 ({key})')


def _open_writer(path: str, fps: float, size: Tuple[int, int]) -> Any:
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, size)
    if not writer.isOpened():
        raise ValueError(f'cannot open {path} for writing with the mp4v codec (use a .mp4 name in a writable place)')
    return writer


def format_report(summary: Dict[str, Any]) -> str:
    """The per-stage table and the one-line summary (``video_demo: N frames, X frames/s (read a%, ...)``)."""
    total = summary['seconds']
    n = max(summary['frames'], 1)
    stage_seconds = dict(summary['stage_seconds'])
    stage_seconds['other'] = max(total - sum(stage_seconds.values()), 0.0)  # progress bar, loop overhead
    lines = [f'{"stage":<11}{"seconds":>10}{"ms/frame":>10}{"share":>8}']
    for name, sec in stage_seconds.items():
        lines.append(f'{name:<11}{sec:>10.3f}{1000 * sec / n:>10.1f}{100 * sec / total if total else 0:>7.1f}%')
    lines.append(f'{"loop":<11}{total:>10.3f}{1000 * total / n:>10.1f}{100.0:>7.1f}%')
    if summary['frames_without_boxes']:
        lines.append(f'{summary["frames_without_boxes"]} frames had no box in the bbox file and were written '
                     'without a pose')
    if summary['box_frames_not_in_input']:
        extra = summary['box_frames_not_in_input']
        lines.append(f'the bbox file has boxes for {len(extra)} frame indices past the last frame read '
                     f'({extra[0]}..{extra[-1]})')
    w, h = summary['size'] or (0, 0)
    lines.append(f'wrote {summary["out"]}: {summary["frames"]} frames, {w}x{h}, {summary["out_fps"]:g} fps')
    shares = ', '.join(f'{name} {100 * stage_seconds[name] / total if total else 0:.0f}%' for name in STAGES)
    lines.append(f'video_demo: {summary["frames"]} frames, {summary["fps"]:.1f} frames/s ({shares})')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    boxes_per_frame = load_bbox_file(args.bbox_file) if args.bbox_file else None
    if not osp.exists(args.input):  # before the model loads: a typo should not cost a model load
        raise FileNotFoundError(f'input not found: {args.input} (give a video file or a folder of frames)')
    if not (osp.isfile(args.checkpoint) or '://' in args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    from mmengine.device import get_device
    from mmpose.apis import init_model

    model = init_model(args.config, args.checkpoint, device=args.device or get_device())
    demo = VideoPoseDemo(model, kpt_thr=args.kpt_thr, show_fps=args.show_fps)
    boxes = np.array([args.bbox], dtype=np.float32) if args.bbox else None
    summary = demo.run(args.input, args.out, boxes=boxes, boxes_per_frame=boxes_per_frame,
                       max_frames=args.max_frames, out_fps=args.out_fps)
    print(format_report(summary), flush=True)
    return summary


if __name__ == '__main__':
    main()
