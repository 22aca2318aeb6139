"""Real training throughput of a config through mmengine's Runner, with its data pipeline and loader workers.

    python tools/analysis/train_throughput.py CONFIG [--data-root DIR] [--iters 20] [--warmup 5] [--batch-size B]
        [--num-workers W] [--amp [--amp-dtype bfloat16]] [--out result.json]

--amp on an accelerator sets what tools/train.py --amp sets (bf16 where supported, channels-last, cuDNN
autotuning), so the figure is the one a user's training run gets.

Without --data-root a synthetic crowd training set is generated first (WORK_DIR/synthetic_crowd, reused by later
runs) and the config's training set is pointed at it (COCO and CrowdPose layouts). Prints img/s with data loading,
the share of time spent waiting for data, img/s of the model step alone, peak device memory, samples/s of the
training pipeline in one worker and the number of workers that keep up with the model. Compare with
tools/analysis/benchmark.py (the model step on a fake batch, no data loading).
"""
from __future__ import annotations

import argparse
import json
import math
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction

from mmpose_ext.tools.common import check_amp_device


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='training config')
    parser.add_argument('--data-root', help='the training set\'s data root (default: a generated synthetic crowd set)')
    parser.add_argument('--num-images', type=int, default=None,
                        help='images of the generated set (default: enough for every iteration, at least 64)')
    parser.add_argument('--iters', type=int, default=20, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=5, help='iterations left out of the figures')
    parser.add_argument('--batch-size', type=int, help='crops per iteration (default: the config\'s)')
    parser.add_argument('--num-workers', type=int, help='data loader workers (default: the config\'s)')
    parser.add_argument('--amp', action='store_true', help='mixed precision (mmengine\'s AmpOptimWrapper)')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'],
                        help='autocast dtype with --amp (default as tools/train.py --amp: bfloat16 where the device '
                             'supports it; on a CPU bfloat16 autocast)')
    parser.add_argument('--pipeline-samples', type=int, default=50,
                        help='samples timed for the one-worker pipeline figure (0: skip)')
    parser.add_argument('--work-dir', default='work_dirs/train_throughput', help='logs and the generated data')
    parser.add_argument('--out', help='write the result to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config entries')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    check_amp_device(args.amp or bool(args.amp_dtype), cpu_autocast=True)  # CPU: autocast only
    from mmengine.device import get_device

    import mmpose_ext.engine  # noqa: F401  (registers CPUAutocastOptimWrapper)
    from mmpose_ext.analysis.train_throughput import (format_result, innermost_dataset, measure_training,
                                                      point_at_synthetic_crowd, throughput_config)
    if not osp.isfile(args.config):
        raise SystemExit(f'error: config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg = throughput_config(cfg, osp.join(args.work_dir, osp.splitext(osp.basename(args.config))[0]),
                            iters=args.iters, warmup=args.warmup, batch_size=args.batch_size,
                            num_workers=args.num_workers)
    if args.amp or args.amp_dtype:
        if get_device() == 'cpu':  # mmengine's AmpOptimWrapper needs an accelerator; autocast alone on a CPU
            cfg.optim_wrapper.update(type='CPUAutocastOptimWrapper', dtype=args.amp_dtype or 'bfloat16')
        else:  # what tools/train.py --amp sets: the device's best dtype, channels-last, cuDNN autotuning
            from mmpose_ext.utils.amp_policy import apply_amp_levers
            print(apply_amp_levers(cfg, get_device(), args.amp_dtype), flush=True)
    if args.data_root:
        innermost_dataset(cfg.train_dataloader.dataset).data_root = args.data_root.rstrip('/') + '/'
    else:
        crops = cfg.train_dataloader.batch_size * (args.iters + args.warmup)
        num_images = args.num_images or max(64, math.ceil(crops / 2))  # about 2.5 persons per generated image
        try:
            point_at_synthetic_crowd(cfg, osp.join(args.work_dir, 'synthetic_crowd'), num_images)
        except ValueError as err:
            raise SystemExit(f'error: {err}')
    result = measure_training(cfg, iters=args.iters, warmup=args.warmup, pipeline_samples=args.pipeline_samples)
    result.config = args.config
    print(format_result(result))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result.to_dict(), f, indent=2)
        print(f'result written to {args.out}')


if __name__ == '__main__':
    main()
