"""Benchmark configs: parameters, GFLOPs and training/inference throughput, as ratios to the first config.

    python tools/analysis/benchmark.py BASELINE_CONFIG [CONFIG ...] [--batch-size 8] [--iters 10] [--out b.json]

A config may carry its own overrides after "::", e.g. the MIPNet reference's way of running (the whole
network once per lambda) next to the shared prefix:

    python tools/analysis/benchmark.py configs/baselines/td-hm_hrnet-w48_coco-384x288.py configs/mipnet_w48.py \
        configs/mipnet_w48.py::model.backbone.shared_prefix=False

Time ratios ("time x") are per-image times relative to the first config, measured in this one run on the
device mmengine picks (CPU, CUDA or Ascend NPU). Each speed lever is an option of its own, so that one run can
compare them, e.g. the same config in float32 and bfloat16, or eager and compiled:

    python tools/analysis/benchmark.py CONFIG CONFIG::compile=True CONFIG::env_cfg.cudnn_benchmark=True
    python tools/analysis/benchmark.py CONFIG --amp --amp-dtype bfloat16 --channels-last
"""
import argparse
import json
from typing import List, Optional

from mmengine.config import Config, DictAction

from mmpose_ext.analysis import benchmark_config, format_table
from mmpose_ext.tools.common import check_amp_device, check_config_path


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='+', help='config files, each optionally followed by ::KEY=VALUE '
                        'overrides of its own; the first is the baseline')
    parser.add_argument('--batch-size', type=int, default=8, help='crops per step')
    parser.add_argument('--warmup', type=int, default=3, help='untimed steps first')
    parser.add_argument('--iters', type=int, default=10, help='timed steps')
    parser.add_argument('--mode', choices=['train', 'infer', 'both'], default='both')
    parser.add_argument('--input-size', type=int, nargs=2, metavar=('W', 'H'), help='override the input size')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: autocast, and mmengine\'s AmpOptimWrapper for training (on a CPU: '
                        'autocast only)')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'],
                        help='autocast dtype with --amp (default: float16 on accelerators, bfloat16 on CPUs)')
    parser.add_argument('--channels-last', action='store_true', help='NHWC memory format')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the training step, as the config setting compile=True makes mmengine\'s '
                        'Runner do (options: --cfg-options "compile.mode=max-autotune")')
    parser.add_argument('--cudnn-benchmark', action='store_true',
                        help='cuDNN autotuning (env_cfg.cudnn_benchmark=True) for every config')
    parser.add_argument('--repeat', type=int, default=1, metavar='R',
                        help='measure every config R times, in turns, and keep its fastest round (for a machine '
                        'that other work shares: interference only slows a run down)')
    parser.add_argument('--no-flops', action='store_true', help='skip the GFLOPs count')
    parser.add_argument('--profile', type=int, default=0, metavar='STEPS',
                        help='also profile STEPS training steps and print the most expensive operators per config')
    parser.add_argument('--out', help='write the results to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override entries of every config')
    return parser.parse_args(argv)


def load_spec(spec: str, args: argparse.Namespace) -> Config:
    """The config of ``PATH[::KEY=VALUE...]`` with the command line's lever flags and overrides applied."""
    path, *overrides = spec.split('::')
    try:
        check_config_path(path)
    except FileNotFoundError as err:
        raise SystemExit(f'error: {err}')
    cfg = Config.fromfile(path)
    if args.compile:
        cfg.compile = True
    if args.cudnn_benchmark:
        cfg.setdefault('env_cfg', {})['cudnn_benchmark'] = True
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    for item in overrides:
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit(f'error: {spec}: overrides after "::" must be KEY=VALUE, got {item!r}')
        cfg.merge_from_dict({key: DictAction._parse_iterable(value)})
    return cfg


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    check_amp_device(args.amp or bool(args.amp_dtype), cpu_autocast=True)  # CPU: autocast timing, no scaler
    modes = ('train', 'infer') if args.mode == 'both' else (args.mode, )
    configs = [(spec, load_spec(spec, args)) for spec in args.configs]
    results = []
    for round_ in range(args.repeat):
        for i, (spec, cfg) in enumerate(configs):
            print(f'benchmarking {spec} ...' + (f' (round {round_ + 1}/{args.repeat})' if args.repeat > 1 else ''),
                  flush=True)
            result = benchmark_config(cfg, batch_size=args.batch_size, warmup=args.warmup, iters=args.iters,
                                      modes=modes, input_size=args.input_size, amp=args.amp or bool(args.amp_dtype),
                                      amp_dtype=args.amp_dtype, channels_last=args.channels_last,
                                      flops=not args.no_flops and round_ == 0,
                                      profile=args.profile if round_ == 0 else 0)
            result.config = spec
            if 'profile' in result.extra:
                print(f'most expensive operators of {spec} (training, {args.profile} steps):\n'
                      f'{result.extra["profile"]}')
            result.extra['rounds'] = args.repeat
            if round_ == 0:
                results.append(result)
            else:  # interference from other work only slows a run down: keep each config's fastest round
                best = results[i]
                for key in ('train_img_per_s', 'infer_img_per_s'):
                    if getattr(result, key) is not None:
                        setattr(best, key, max(getattr(best, key) or 0.0, getattr(result, key)))
    print(format_table(results))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump([r.to_dict() for r in results], f, indent=2)
        print(f'results written to {args.out}')


if __name__ == '__main__':
    main()
