"""Per-sample time of PoseFix's training data pipeline against mmpose's standard top-down pipeline.

    python tools/analysis/pipeline_benchmark.py \\
        [--standard configs/_base_/coco_topdown_256x192.py] [--posefix configs/_base_/posefix_coco_256x192.py] \\
        [--data-root tests/data/coco] [--ann-file test_coco.json] [--img-prefix ''] [--rounds 10] [--out t.json]

Both pipelines read the same persons at the same input size, alternating sample by sample; the report gives ms
per sample for each step, the CPU time to render the input-pose maps (done in the model), and the ratios.
"""
import argparse
import json
from dataclasses import asdict
from typing import List, Optional

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
    parser.add_argument('--out', help='also write the figures to this JSON file')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    result = benchmark_pipelines(args.standard, args.posefix, args.data_root, args.ann_file, args.img_prefix,
                                 args.estimated_results, rounds=args.rounds, warmup=args.warmup, seed=args.seed)
    print(format_report(result))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump({k: asdict(v) if hasattr(v, '__dataclass_fields__') else v for k, v in result.items()}, f,
                      indent=2)


if __name__ == '__main__':
    main()
