"""Make PoseFix input files from ground truth: COCO keypoint results with PoseFix's synthesised errors.

For data without a trained estimator (the synthetic crowd set, the learning check). The synthetic set needs
two files, the train-set "estimate" that training reads and a weak input to refine on val::

    python tools/dataset_converters/make_posefix_inputs.py data/synthetic_crowd/annotations/coco_train.json \\
        data/synthetic_crowd/posefix/coco_train_estimated.json --seed 0
    python tools/dataset_converters/make_posefix_inputs.py data/synthetic_crowd/annotations/coco_val.json \\
        data/synthetic_crowd/posefix/coco_val_weak_input.json --seed 1

With a trained estimator, use its results instead (tools/test.py on ground-truth boxes, nms_mode=none; README).
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional

from mmpose_ext.datasets.common import mmpose_metainfo
from mmpose_ext.datasets.posefix_inputs import ground_truth_with_errors
from mmpose_ext.datasets.posefix_posetrack18_dataset import POSETRACK18_IGNORED
from mmpose_ext.datasets.posetrack18_metainfo import POSETRACK18_METAINFO


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('ann_file', help='COCO-format keypoint annotations')
    parser.add_argument('out_file', help='COCO keypoint results to write')
    parser.add_argument('--layout', default='coco',
                        help="keypoint layout: 'coco', 'crowdpose', 'mpii' (mmpose's metainfo), 'posetrack18' (the "
                             "reference's PoseTrack layout: ears never synthesised) or a metainfo file path")
    parser.add_argument('--random-joint-scores', action='store_true',
                        help='joint scores uniform in [0.2, 1] (also written as "scores") instead of 1; PoseTrack\'s '
                             'AP ranks joints by them')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--score', type=float, default=1.0, help='instance score of every result')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    ignored = None
    if args.layout == 'posetrack18':
        metainfo, ignored = POSETRACK18_METAINFO, POSETRACK18_IGNORED
    else:
        metainfo = dict(from_file=args.layout) if osp.isfile(args.layout) else mmpose_metainfo(f'{args.layout}.py')
    results = ground_truth_with_errors(args.ann_file, metainfo, seed=args.seed, score=args.score, ignored=ignored,
                                       random_joint_scores=args.random_joint_scores)
    os.makedirs(osp.dirname(osp.abspath(args.out_file)), exist_ok=True)
    with open(args.out_file, 'w') as f:
        json.dump(results, f)
    print(f'{len(results)} results (ground truth with synthesised errors, seed {args.seed}) -> {args.out_file}')


if __name__ == '__main__':
    main()
