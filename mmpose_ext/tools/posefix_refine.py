"""Refine any estimator's COCO-format keypoint results with PoseFix (COCO, CrowdPose, PoseTrack18, MPII layouts).

``python tools/posefix_refine.py CONFIG CHECKPOINT --input results.json --out refined.json [--ann-file gt.json
--img-prefix DIR] [--data-root DIR] [--device cpu] [--batch-size N] [--show-dir DIR [--num-pictures N]]``

Runs the PoseFix config's test pipeline (``PoseFixResultsDataset`` + ``SetInputPose``) over ``--input`` with
mmengine's Runner, shows a progress bar, writes every input entry to ``--out`` (refined, or passed through
unchanged when it cannot be refined), prints where each entry went and the throughput in poses per second,
and, when the annotation file has ground truth, the COCO AP table of the input and of the refined poses side by
side (both scored in the same run by ``PoseFixCocoMetric``, the input with ``pose_source='input'``).

``--ann-file`` needs ``--img-prefix`` (the folder its ``file_name`` entries are in): without it the images
would be read from the config's folder, another set's. Before the run, every image's size is compared with the
annotation file's ``width``/``height``, so images of another set are refused by name.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

if __package__ in (None, ''):  # run as a script: make the package importable
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402
from mmpose.registry import METRICS  # noqa: E402

from mmpose_ext.evaluation.metrics import PoseFixCocoMetric  # noqa: E402
from mmpose_ext.evaluation.metrics.posefix_results_metric import format_ap_table, format_summary  # noqa: E402
from mmpose_ext.datasets.common import AnnotationError, load_json_file  # noqa: E402
from mmpose_ext.tools.common import (add_data_root_arg, install_user_error_hook, load_config,  # noqa: E402
                                     prepare_data)
from mmpose_ext.utils.data_summary import TEST_SPLITS, reuse_datasets  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Refine a COCO-format keypoint results file with PoseFix')
    parser.add_argument('config', help='PoseFix config (its test_dataloader uses PoseFixResultsDataset)')
    parser.add_argument('checkpoint', help='PoseFix checkpoint (local path or URL)')
    parser.add_argument('--input', required=True, help='COCO-format keypoint results of any estimator')
    parser.add_argument('--out', required=True, help='where to write the refined results (JSON)')
    parser.add_argument('--ann-file', help='annotation file (ground truth, or image info only) of the images the '
                                           'results refer to; default: the config\'s')
    parser.add_argument('--img-prefix', help='image directory; default: the config\'s data_root + data_prefix '
                                             '(required with --ann-file)')
    add_data_root_arg(parser)
    parser.add_argument('--device', default=None, help='cpu, cuda, cuda:N, ... (default: what mmengine picks)')
    parser.add_argument('--batch-size', type=int, help='crops per batch (default: the config\'s)')
    parser.add_argument('--work-dir', help='directory for the log (default: ./work_dirs/<config name>_refine)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config entries')
    parser.add_argument('--show-dir', help='write input-vs-refined pictures of the first images to this folder')
    parser.add_argument('--num-pictures', type=int, default=4, help='images pictured with --show-dir (default 4)')
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='--show-dir: joints below this score are not drawn')
    args = parser.parse_args(argv)
    if args.ann_file and not args.img_prefix:
        parser.error('--ann-file needs --img-prefix (the folder its file_name entries are relative to); '
                     'without it the images would be read from the config\'s folder, another set\'s')
    args.launcher, args.local_rank = 'none', 0
    return args


class _ProgressAndTiming(Hook):
    """A progress bar over the test batches, and the wall time from the first batch to the last."""

    def __init__(self) -> None:
        self.bar: Optional[ProgressBar] = None
        self.start = self.end = 0.0

    def before_test_epoch(self, runner) -> None:
        self.bar = ProgressBar(len(runner.test_dataloader))
        self.start = time.perf_counter()

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.bar.update()
        self.end = time.perf_counter()
        if self.bar.completed == self.bar.task_num:
            self.bar.file.write('\n')  # the evaluation logs start on their own line


def has_annotations(ann_file: str) -> bool:
    with open(ann_file) as f:
        return bool(json.load(f).get('annotations'))


def refine_config(args: argparse.Namespace) -> Config:
    """The PoseFix config with the tool's input, output and evaluators folded in."""
    if not (osp.isfile(args.checkpoint) or '://' in args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    if not osp.isfile(args.input):
        raise FileNotFoundError(f'--input results file not found: {args.input}')
    if args.work_dir is None:
        args.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0] + '_refine')
    cfg = load_config(args)
    cfg.load_from, cfg.resume = args.checkpoint, False
    # refinement needs the test parts only; a config that trains PoseFix need not have its training data here
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler', 'val_dataloader', 'val_cfg',
                'val_evaluator'):
        cfg[key] = None
    # the plain test loop (a cascade config's PoseFixCascadeTestLoop would run its own estimator first)
    cfg.test_cfg = {k: v for k, v in (cfg.get('test_cfg') or {}).items() if k == 'fp16'}
    loader = cfg.test_dataloader
    dataset = loader.dataset
    dataset.pop('results', None)
    dataset.results_file = osp.abspath(args.input)
    if args.ann_file:
        dataset.ann_file = osp.abspath(args.ann_file)
    if args.img_prefix:
        dataset.data_prefix = dict(img=osp.abspath(args.img_prefix) + '/')
    if args.batch_size:
        loader.batch_size = args.batch_size
    evaluator = cfg.test_evaluator
    metric_type = evaluator.get('type') if isinstance(evaluator, dict) else None
    metric_cls = METRICS.get(metric_type) if isinstance(metric_type, str) else metric_type
    if not (isinstance(metric_cls, type) and issubclass(metric_cls, PoseFixCocoMetric)):
        raise ValueError(f'{args.config}: test_evaluator must be one PoseFixCocoMetric (or a subclass: '
                         f'PoseFixPoseTrack18Metric, PoseFixMpiiPCKhMetric), got {evaluator!r}')
    args.metric_name = metric_cls.__name__
    ann_file = osp.join(dataset.get('data_root') or '', dataset.ann_file)
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file not found: {ann_file} (give --ann-file)')
    args.has_gt = has_annotations(ann_file)
    # the type by its registered name: the Runner prints the config, which cannot show a class in a new entry
    refined = dict(evaluator, type=args.metric_name, ann_file=ann_file if args.has_gt else None,
                   pose_source='refined', prefix='refined', out_file=osp.abspath(args.out))
    cfg.test_evaluator = [dict(refined, pose_source='input', prefix='input', out_file=None), refined] \
        if args.has_gt else [refined]
    return cfg


def check_image_sizes(dataset, ann_file: str, limit: int = 5) -> None:
    """Refuses images whose size differs from the annotation file's ``width``/``height`` (another set's images)."""
    from PIL import Image
    images = load_json_file(ann_file)['images']
    sizes = {img['id']: (img.get('width'), img.get('height')) for img in images}
    paths = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        paths.setdefault(info['img_id'], info['img_path'])
    wrong = []
    for img_id, path in paths.items():
        expected = sizes.get(img_id, (None, None))
        if None in expected or '://' in path:
            continue
        with Image.open(path) as im:
            if tuple(im.size) != tuple(expected):
                wrong.append(f'{path} is {im.size[0]}x{im.size[1]}, {ann_file} says {expected[0]}x{expected[1]} '
                             f'(image id {img_id})')
    if wrong:
        raise AnnotationError(f'{len(wrong)} of {len(paths)} images do not match the annotation file; are '
                              f'--img-prefix and --ann-file of the same set?\n  ' + '\n  '.join(wrong[:limit]))


def draw_refinement(ann_file: str, img_prefix: str, input_file: str, refined_file: str, out_dir: str,
                    num_images: int, skeleton, kpt_thr: float = 0.3) -> List[str]:
    """Input (left) and refined (right) poses of the first ``num_images`` images; returns the files written."""
    import cv2

    from mmpose_ext.visualization import LAMBDA_COLOURS, draw_poses, image_grid
    images = {img['id']: img for img in load_json_file(ann_file)['images']}
    inputs, refined = load_json_file(input_file, 'keypoint results file'), load_json_file(refined_file)
    written = []
    os.makedirs(out_dir, exist_ok=True)
    for img_id in sorted({e['image_id'] for e in refined if isinstance(e, dict)} & set(images))[:num_images]:
        path = osp.join(img_prefix, images[img_id]['file_name'])
        image = cv2.imread(path)
        if image is None:
            continue
        tiles = []
        for entries, colour in ((inputs, LAMBDA_COLOURS[1]), (refined, LAMBDA_COLOURS[0])):
            poses = [np.asarray(e['keypoints'], dtype=np.float32).reshape(-1, 3) for e in entries
                     if isinstance(e, dict) and e.get('image_id') == img_id and e.get('keypoints')]
            canvas = image
            if poses:
                kpts = np.stack(poses)
                canvas = draw_poses(image, kpts[..., :2], kpts[..., 2], skeleton, colors=[colour] * len(kpts),
                                    score_thr=kpt_thr)
            tiles.append(canvas)
        out_file = osp.join(out_dir, f'{osp.splitext(images[img_id]["file_name"])[0].replace("/", "_")}.jpg')
        cell = (min(640, image.shape[1]), min(640, image.shape[0]))
        cv2.imwrite(out_file, image_grid(tiles, cols=2, cell=cell, titles=['input', 'refined']))
        written.append(out_file)
    return written


def scoring_rules(metric) -> str:
    """How :class:`PoseFixCocoMetric` scored both columns (NMS, score mode, evaluator), in words."""
    nms = (f'OKS-NMS at {metric.nms_thr:g} per image (OKS area = the crop\'s)' if metric.nms_mode == 'oks_nms'
           else 'soft OKS-NMS' if metric.nms_mode == 'soft_oks_nms' else 'no NMS')
    score = ('score mode "bbox": each entry\'s own score' if metric.score_mode == 'bbox'
             else f'score mode "{metric.score_mode}" (entry score x mean keypoint score above '
                  f'{metric.keypoint_score_thr:g})')
    return f'{nms}, {score}, xtcocotools\' rules (as mmpose\'s CocoMetric: all-zero-score entries dropped)'


def input_as_given(ann_file: str, input_file: str) -> str:
    """One line: the input file's AP under its dataset's official rules, as ``eval_results.py`` scores it (no NMS),
    or why it cannot be scored as it is (e.g. malformed entries the refiner passed through)."""
    from mmpose_ext.tools.eval_results import detect_layout, score_coco_layout
    command = f'tools/analysis/eval_results.py {ann_file} {input_file}'
    try:
        layout = detect_layout(ann_file)
        if layout == 'mpii':
            raise AnnotationError(f'{ann_file} is MPII, not a COCO-format file')
        ap = next(v for k, v in score_coco_layout(layout, ann_file, input_file).items() if k.endswith('/AP'))
    except (AnnotationError, ValueError) as err:
        return f'the input file as given (no NMS, official rules, as {command} scores it): not scored: {err}'
    return (f'the input file as given (no NMS, scores as given, official {layout} rules, as {command} scores it): '
            f'AP {ap:.4f} (the input column above is after its OKS-NMS and under xtcocotools\' rules)')


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    install_user_error_hook()
    from mmpose_ext.engine.runner import build_runner

    cfg = refine_config(args)
    install_user_error_hook(cfg)
    datasets = prepare_data(cfg, TEST_SPLITS, cfg.work_dir)
    dataset = cfg.test_dataloader.dataset
    ann_file = osp.join(dataset.get('data_root') or '', dataset.ann_file)
    check_image_sizes(datasets['test'], ann_file)
    runner = build_runner(cfg)
    reuse_datasets(runner, datasets, cfg)
    if args.device:
        try:
            runner.model.to(args.device)
        except (RuntimeError, AssertionError) as e:  # torch's messages for a device that is not there
            raise SystemExit(f'--device {args.device}: cannot run the model there ({e})') from None
    device = next(runner.model.parameters()).device
    timing = _ProgressAndTiming()
    runner.register_hook(timing, priority='VERY_LOW')
    metrics = runner.test()

    metric_objects = runner.test_evaluator.metrics
    summary = metric_objects[-1].summary
    seconds = max(timing.end - timing.start, 1e-9)
    batch = cfg.test_dataloader.batch_size
    print('\n' + format_summary(summary))
    print(f'throughput: {summary["refined"]} poses in {seconds:.2f} s = {summary["refined"] / seconds:.1f} poses/s '
          f'on {device} (batch size {batch}, data loading and flip test included)')
    if args.has_gt:
        before = {k: v for k, v in metrics.items() if k.startswith('input/')}
        after = {k: v for k, v in metrics.items() if k.startswith('refined/')}
        what = {'PoseFixPoseTrack18Metric': 'PoseTrack mAP (as poseval)',
                'PoseFixMpiiPCKhMetric': 'MPII PCKh'}.get(args.metric_name)
        if what is None:
            print(f'\nCOCO keypoint AP of {args.input} (input) and of the refined poses, both scored alike: '
                  f'{scoring_rules(metric_objects[-1])}')
        else:
            print(f'\n{what} of {args.input} (input) and the refined poses, same NMS and scores:')
        print(format_ap_table({'input': before, 'refined': after}))
        if what is None:
            print(input_as_given(ann_file, args.input))
    else:
        print('no ground truth in the annotation file: results written, not evaluated')
    if args.show_dir:
        written = draw_refinement(ann_file, datasets['test'].data_prefix['img'], args.input, args.out, args.show_dir,
                                  args.num_pictures, datasets['test'].metainfo.get('skeleton_links', ()),
                                  args.kpt_thr)
        print(f'--show-dir: {len(written)} input-vs-refined pictures written to {osp.abspath(args.show_dir)}')
    return metrics


if __name__ == '__main__':
    main()
