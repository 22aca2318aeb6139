"""Crowd evaluation of top-down models: AP and recall of persons that share a box, with ground-truth boxes and
with "merged" boxes (one box kept where persons overlap, as a detector does in a crowd). Bottom-up models (a test
dataset with ``data_mode='bottomup'``, e.g. HigherHRNet) need no boxes and are evaluated once.

    python tools/analysis/crowd_eval.py \\
        configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py work_dirs/hrnet_lite/epoch_12.pth \\
        configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py work_dirs/mipnet_lite/epoch_12.pth \\
        --work-dir work_dirs/crowd_eval

Each model is evaluated with tools/test.py; the table and a JSON go to the work dir.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS

from mmpose_ext.analysis.crowd_eval import crowd_scores, merged_box_detections
from mmpose_ext.tools.common import (add_data_root_arg, check_config_path, install_user_error_hook,
                                     refuse_top_level_root_options)
from mmpose_ext.utils.data_root import apply_data_root_args

ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('models', nargs='+', help='CONFIG CHECKPOINT pairs')
    parser.add_argument('--work-dir', default='work_dirs/crowd_eval')
    parser.add_argument('--merge-iou', type=float, default=0.5, help='box IoU above which boxes are merged')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='options for every config')
    add_data_root_arg(parser)
    args = parser.parse_args(argv)
    if len(args.models) % 2:
        parser.error('models must be given as CONFIG CHECKPOINT pairs')
    return args


def _sigmas(cfg: Config):
    dataset_type = cfg.test_dataloader.dataset.type
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    return parse_pose_metainfo(cls.METAINFO)['sigmas']


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    install_user_error_hook()
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    options = [f'{k}={v}' for k, v in args.cfg_options.items()]
    data_roots = [arg for root in args.data_root or [] for arg in ('--data-root', root)]
    rows = []
    merged_file = None
    num_merged = 0
    for config, checkpoint in zip(args.models[::2], args.models[1::2]):
        check_config_path(config)
        cfg = Config.fromfile(config)
        refuse_top_level_root_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
        apply_data_root_args(cfg, args.data_root)
        ann_file = cfg.test_evaluator.ann_file
        if merged_file is None:
            merged_file = work_dir / 'merged_boxes.json'
            merged = merged_box_detections(ann_file, args.merge_iou)
            merged_file.write_text(json.dumps(merged))
            num_merged = len(merged)
        name = Path(config).stem
        bottomup = cfg.test_dataloader.dataset.get('data_mode') == 'bottomup'
        box_modes = [('none needed', None)] if bottomup else [('ground truth', None), ('merged', merged_file)]
        for boxes, bbox_file in box_modes:
            tag = f'{name}_{"bu" if bottomup else "gt" if bbox_file is None else "merged"}'
            prefix = work_dir / tag
            cmd = [sys.executable, str(ROOT / 'tools' / 'test.py'), config, checkpoint, '--work-dir',
                   str(work_dir / 'runs' / tag), '--out', str(prefix) + '.metrics.json', *data_roots, '--cfg-options',
                   f'test_evaluator.outfile_prefix={prefix}', *options]
            if bbox_file is not None:
                cmd.append(f'test_dataloader.dataset.bbox_file={bbox_file}')
            print(f'evaluating {name} with {boxes} boxes ...', flush=True)
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode:
                raise SystemExit(f'tools/test.py failed for {config}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
            metrics = json.loads(Path(str(prefix) + '.metrics.json').read_text())
            ap = next(v for k, v in metrics.items() if k.endswith('/AP'))
            scores = crowd_scores(ann_file, str(prefix) + '.keypoints.json', _sigmas(cfg))
            rows.append(dict(model=name, boxes=boxes, AP=ap, **scores))

    header = f'{"model":<42} {"boxes":<13} {"AP":>6} {"AP crowded":>11} {"shared-box recall":>18}'
    lines = [header, '-' * len(header)]
    lines += [f'{r["model"]:<42} {r["boxes"]:<13} {r["AP"]:>6.3f} {r["crowded_AP"]:>11.3f} '
              f'{r["shared_box_recall"]:>18.3f}' for r in rows]
    lines.append(f'{rows[0]["crowded_images"]} crowded images, {rows[0]["shared_box_persons"]} persons sharing a '
                 f'box; merged boxes: greedy box NMS at IoU {args.merge_iou} keeps {num_merged} boxes')
    print('\n'.join(lines))
    (work_dir / 'crowd_eval.json').write_text(json.dumps(rows, indent=2))
    (work_dir / 'crowd_eval.txt').write_text('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
