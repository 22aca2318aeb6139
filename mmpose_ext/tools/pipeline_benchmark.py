"""Per-sample time of PoseFix's training data pipeline against mmpose's standard top-down pipeline.

    python tools/analysis/pipeline_benchmark.py \\
        [--standard configs/_base_/coco_topdown_256x192.py] [--posefix configs/_base_/posefix_coco_256x192.py] \\
        [--data-root tests/data/coco] [--ann-file test_coco.json] [--img-prefix ''] [--rounds 10] [--out t.json]

Both pipelines read the same persons at the same input size, alternating sample by sample; the report gives ms
per sample for each step, the CPU time to render the input-pose maps (done in the model), and the ratios.

With --configs, the training pipelines of any configs instead (each optionally with ::KEY=VALUE overrides, e.g.
a transform's switch), samples per second of one loader worker, step by step, best of --rounds, and the workers
that feed 600 img/s:

    OMP_NUM_THREADS=1 python tools/analysis/pipeline_benchmark.py --configs configs/mipnet_w48.py \
        configs/baselines/td-hm_hrnet-w32_coco-256x192.py --rounds 5
"""
import argparse
import json
import os.path as osp
from dataclasses import asdict
from typing import List, Optional

from mmengine.config import Config, DictAction

from mmpose_ext.analysis.pipeline_benchmark import benchmark_pipelines, format_report


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--standard', default='configs/_base_/coco_topdown_256x192.py',
                        help="config with mmpose's standard top-down training pipeline")
    parser.add_argument('--posefix', default='configs/_base_/posefix_coco_256x192.py', help='PoseFix data config')
    parser.add_argument('--data-root', default='tests/data/coco')
    parser.add_argument('--ann-file', default='test_coco.json', help='relative to --data-root')
    parser.add_argument('--img-prefix', default='', help='image folder relative to --data-root')
    parser.add_argument('--estimated-results', help='train-set estimate for PoseFix (default: made from the '
                        'ground truth with synthesised errors)')
    parser.add_argument('--rounds', type=int, default=10, help='timed passes over all persons')
    parser.add_argument('--warmup', type=int, default=2, help='untimed passes first')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--configs', nargs='+', metavar='CONFIG[::KEY=VALUE...]',
                        help='time these configs\' training pipelines per worker instead of the PoseFix comparison')
    parser.add_argument('--feed', type=float, default=600.0, help='img/s the workers must feed (--configs)')
    parser.add_argument('--out', help='also write the figures to this JSON file')
    return parser.parse_args(argv)


def _load(spec: str) -> Config:
    """``PATH[::KEY=VALUE...]`` as a config (mmengine's list-index keys reach a pipeline step)."""
    path, *overrides = spec.split('::')
    if not osp.isfile(path):
        raise SystemExit(f'error: config file not found: {path}')
    cfg = Config.fromfile(path)
    for item in overrides:
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit(f'error: {spec}: overrides after "::" must be KEY=VALUE, got {item!r}')
        cfg.merge_from_dict({key: DictAction._parse_iterable(value)})
    return cfg


def _write(path: str, result: dict) -> None:
    def plain(value):
        if hasattr(value, '__dataclass_fields__'):
            return asdict(value)
        return [plain(v) for v in value] if isinstance(value, list) else value
    with open(path, 'w') as f:
        json.dump({k: plain(v) for k, v in result.items()}, f, indent=2)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.configs:
        import mmpose_ext  # noqa: F401  (registers the plugin's transforms and datasets)
        from mmpose_ext.analysis.train_pipelines import benchmark_worker_pipelines, format_worker_report
        root = args.data_root.rstrip('/') + '/'
        result = benchmark_worker_pipelines([(spec, _load(spec)) for spec in args.configs], root, args.ann_file,
                                            args.img_prefix, rounds=args.rounds, warmup=args.warmup,
                                            seed=args.seed)
        print(format_worker_report(result, args.feed))
        if args.out:
            _write(args.out, result)
        return
    result = benchmark_pipelines(args.standard, args.posefix, args.data_root, args.ann_file, args.img_prefix,
                                 args.estimated_results, rounds=args.rounds, warmup=args.warmup, seed=args.seed)
    print(format_report(result))
    if args.out:
        _write(args.out, result)


if __name__ == '__main__':
    main()
