"""Generate a small PoseTrack18-style video set from the synthetic crowd scenes (PoseFix's PoseTrack check).

Example::

    python tools/dataset_converters/generate_synthetic_posetrack.py data/synthetic_posetrack \\
        --num-train 60 --num-val 24

Writes ``OUT_DIR/images/{split}/<sequence>/NNNNNN.jpg``, ``OUT_DIR/annotations/posetrack18_{split}.json`` (merged,
COCO-style) and ``OUT_DIR/annotations/{split}/<sequence>.json`` (one file per sequence, the official layout).
Training sequences label every frame; validation sequences every second one, as PoseTrack's sparse labels.
"""
import argparse
from typing import List, Optional

from mmpose_ext.datasets.synthetic.posetrack_writer import generate_synthetic_posetrack


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', help='output root')
    parser.add_argument('--num-train', type=int, default=60, help='training sequences')
    parser.add_argument('--num-val', type=int, default=24, help='validation sequences')
    parser.add_argument('--num-frames', type=int, default=6, help='frames per sequence')
    parser.add_argument('--seed', type=int, default=0, help='base seed (non-negative)')
    parser.add_argument('--motion', type=float, default=1.5, help='camera pan in pixels per frame')
    parser.add_argument('--ignore-prob', type=float, default=0.3,
                        help='probability of an ignore region around one person of a sequence')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    for split, count, every in (('train', args.num_train, 1), ('val', args.num_val, 2)):
        if count <= 0:
            continue
        out = generate_synthetic_posetrack(args.out_dir, count, split=split, seed=args.seed,
                                           num_frames=args.num_frames, labeled_every=every, motion=args.motion,
                                           ignore_prob=args.ignore_prob)
        print(f'{split}: {out["ann_file"]} and {out["gt_folder"]}/ ({out["stats"]})')


if __name__ == '__main__':
    main()
