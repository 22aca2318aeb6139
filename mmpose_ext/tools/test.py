"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out metrics.json] [--dump preds.pkl] ...``.

The same flags as MMPose's ``tools/test.py``. Checkpoints are loaded with ``weights_only=True`` (see
``mmpose_ext.utils.safe_checkpoint``).
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional

if __package__ in (None, ''):  # run as a script (python tools/test.py, mim): make the package importable
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import Config  # noqa: E402

from mmpose_ext.tools.common import (add_common_args, enable_visualization, install_user_error_hook,  # noqa: E402
                                     load_config, prepare_cpu_distributed, prepare_data)
from mmpose_ext.utils.data_summary import TEST_SPLITS, reuse_datasets  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model (mmpose_ext)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (local path or URL)')
    parser.add_argument('--out', help='write the metrics to this JSON/YAML/pickle file')
    parser.add_argument('--dump', help='dump the raw predictions to this pickle file for offline evaluation')
    parser.add_argument('--kpt-thr', type=float, default=0.3,
                        help='--show-dir pictures: joints below this confidence are not drawn (default 0.3, '
                             'mmpose\'s; lower it, e.g. 0.05, to see what a young model predicts)')
    parser.add_argument('--show-gt', action='store_true', help='--show-dir pictures: draw the ground truth too')
    parser.add_argument('--max-pictures', type=int, help='--show-dir: at most this many pictures')
    parser.add_argument('--bbox-file', help='person boxes of a detector (COCO results JSON) for the test set '
                                            'instead of the config\'s; "none" uses the ground-truth boxes')
    add_common_args(parser, show_dir_help='write one picture per test image (all poses, MIPNet lambdas coloured) '
                                          'to this folder, used as given (relative to the current directory, not '
                                          'to the work dir)')
    return parser.parse_args(argv)


def apply_test_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Folds the evaluation flags into the config."""
    if not (osp.isfile(args.checkpoint) or '://' in args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.bbox_file is not None:
        set_test_bbox_file(cfg, args.bbox_file)
    if args.show:
        enable_visualization(cfg, args)  # a window per box: mmpose's PoseVisualizationHook
        cfg.default_hooks.visualization['out_dir'] = None  # files: --show-dir's PredictionPictureHook
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise SystemExit(f'--dump must name a .pkl or .pickle file, got {args.dump}')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = [*evaluator, dump_metric]
        else:
            cfg.test_evaluator = [evaluator, dump_metric]
    return cfg


def set_test_bbox_file(cfg: Config, bbox_file: str) -> None:
    """Points the test set at a detection file (``'none'``: ground-truth boxes); top-down datasets only."""
    dataset = cfg.test_dataloader.dataset
    while 'dataset' in dataset and isinstance(dataset['dataset'], dict):  # a wrapper (MultiInstanceDataset)
        dataset = dataset['dataset']
    if 'datasets' in dataset:
        raise SystemExit('--bbox-file: the test set is a ConcatDataset; set test_dataloader.dataset.datasets.N.'
                         'bbox_file with --cfg-options')
    if bbox_file.lower() == 'none':
        dataset['bbox_file'] = None
        return
    if not osp.isfile(bbox_file):
        raise FileNotFoundError(f'--bbox-file not found: {bbox_file}')
    dataset['bbox_file'] = bbox_file


def picture_hook(args: argparse.Namespace):
    """The ``--show-dir`` hook: every box's poses (all MIPNet lambdas) on the whole image, one picture per image."""
    from mmpose_ext.visualization import PredictionPictureHook
    return PredictionPictureHook(args.show_dir, kpt_thr=args.kpt_thr, draw_gt=args.show_gt, interval=args.interval,
                                 max_images=args.max_pictures)


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    install_user_error_hook()
    from mmengine import dump
    from mmengine.dist import is_main_process
    from mmpose_ext.engine.runner import build_runner

    cfg = apply_test_args(load_config(args), args)
    install_user_error_hook(cfg)
    datasets = prepare_data(cfg, TEST_SPLITS, cfg.work_dir)
    prepare_cpu_distributed(cfg)
    runner = build_runner(cfg)
    reuse_datasets(runner, datasets, cfg)
    if args.show_dir and is_main_process():
        runner.register_hook(picture_hook(args))
    metrics = runner.test()
    if args.out and is_main_process():
        dump(metrics, args.out)
        print(f'metrics written to {args.out}')
    return metrics


if __name__ == '__main__':
    main()
