"""Train a pose model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] ...``.

The same flags as MMPose's ``tools/train.py``; the device (CPU, CUDA or Ascend NPU) is chosen by mmengine.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import List, Optional

if __package__ in (None, ''):  # run as a script (python tools/train.py, mim): make the package importable
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import Config  # noqa: E402

from mmpose_ext.tools.common import (add_common_args, check_amp_device, enable_visualization,  # noqa: E402
                                     install_user_error_hook, load_config, prepare_cpu_distributed, prepare_data)
from mmpose_ext.utils.data_summary import TRAIN_SPLITS, reuse_datasets  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a pose model (mmpose_ext)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT; without a value, from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (needs an accelerator), with channels-last and cuDNN '
                             'autotuning (unless the config sets env_cfg.cudnn_benchmark=False)')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'], default=None,
                        help='autocast dtype with --amp (default: bfloat16 where the device supports it natively, '
                             'float16 otherwise and on Ascend NPUs; the log says which)')
    parser.add_argument('--no-validate', action='store_true', help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the real batch size over auto_scale_lr.base_batch_size')
    add_common_args(parser)
    return parser.parse_args(argv)


def apply_train_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Folds the training flags into the config, as MMPose's ``tools/train.py`` does."""
    if args.amp:
        check_amp_device(args.amp)
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        wrapper_name = wrapper if isinstance(wrapper, str) else wrapper.__name__
        if wrapper_name not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise SystemExit(f'--amp is not supported with optim_wrapper type {wrapper_name}')
        from mmengine.device import get_device
        from mmengine.logging import print_log

        from mmpose_ext.utils.amp_policy import apply_amp_levers
        print_log(apply_amp_levers(cfg, get_device(), args.amp_dtype), logger='current')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise SystemExit(f'{args.config}: --auto-scale-lr needs auto_scale_lr=dict(base_batch_size=...)')
        cfg.auto_scale_lr.enable = True
    enable_visualization(cfg, args)
    return cfg


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    install_user_error_hook()
    from mmpose_ext.engine.runner import build_runner

    cfg = apply_train_args(load_config(args), args)
    install_user_error_hook(cfg)
    datasets = prepare_data(cfg, TRAIN_SPLITS, cfg.work_dir)
    prepare_cpu_distributed(cfg)
    runner = build_runner(cfg)
    reuse_datasets(runner, datasets, cfg)
    if args.show_dir:
        print(f'--show-dir: validation pictures (mmpose\'s PoseVisualizationHook) go to '
              f'{osp.join(runner.log_dir, "vis_data", "vis_image")}', flush=True)
    try:
        runner.train()
    except KeyboardInterrupt:
        print(f'\ninterrupted; continue from the last checkpoint with: python tools/train.py {args.config} '
              f'--work-dir {cfg.work_dir} --resume', file=sys.stderr, flush=True)
        raise SystemExit(130)


if __name__ == '__main__':
    main()
