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

from mmpose_ext.tools.common import (add_common_args, enable_visualization, load_config,  # noqa: E402
                                     prepare_cpu_distributed)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model (mmpose_ext)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (local path or URL)')
    parser.add_argument('--out', help='write the metrics to this JSON/YAML/pickle file')
    parser.add_argument('--dump', help='dump the raw predictions to this pickle file for offline evaluation')
    add_common_args(parser)
    return parser.parse_args(argv)


def apply_test_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Folds the evaluation flags into the config."""
    if not (osp.isfile(args.checkpoint) or '://' in args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg.load_from = args.checkpoint
    cfg.resume = False
    enable_visualization(cfg, args)
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


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    from mmengine import dump
    from mmengine.dist import is_main_process
    from mmengine.runner import Runner

    cfg = apply_test_args(load_config(args), args)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out and is_main_process():
        dump(metrics, args.out)
        print(f'metrics written to {args.out}')
    return metrics


if __name__ == '__main__':
    main()
