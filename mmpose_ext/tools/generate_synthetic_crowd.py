"""Generate the built-in synthetic crowd dataset (COCO 17-keypoint and CrowdPose 14-keypoint annotations).

Example::

    python tools/dataset_converters/generate_synthetic_crowd.py data/synthetic_crowd \
        --num-train 1000 --num-val 200 --preview 16

Writes ``OUT_DIR/images/{train,val}/{id:06d}.jpg`` and ``OUT_DIR/annotations/{coco,crowdpose}_{split}.json``.
"""
import argparse
import os.path as osp
import time
from typing import List, Optional

from mmpose_ext.datasets.synthetic import generate_synthetic_crowd
from mmpose_ext.visualization import draw_preview

STAT_ROWS = (
    ('images', 'num_images', '{:d}'),
    ('persons', 'num_persons', '{:d}'),
    ('persons / image', 'persons_per_image', '{:.2f}'),
    ('persons sharing a box', 'shared_box_fraction', '{:.1%}'),
    ('occluded joints (v=1 of labelled)', 'occluded_joint_fraction', '{:.1%}'),
    ('dropped persons (tiny or < 2 joints)', 'num_dropped', '{:d}'),
    ('mean crowdIndex', 'mean_crowd_index', '{:.3f}'),
    ('wall time', 'wall_time_s', '{:.1f} s'),
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate the synthetic crowd pose dataset.')
    parser.add_argument('out_dir', help='output root (images/ and annotations/ are created in it)')
    parser.add_argument('--num-train', type=int, default=1000, help='number of training images')
    parser.add_argument('--num-val', type=int, default=200, help='number of validation images')
    parser.add_argument('--seed', type=int, default=0, help='base seed (non-negative)')
    parser.add_argument('--layout', choices=('coco', 'crowdpose', 'both'), default='both',
                        help='annotation layouts to write')
    parser.add_argument('--image-size', type=int, nargs=2, default=(256, 256), metavar=('W', 'H'))
    parser.add_argument('--persons', type=int, nargs=2, default=(1, 4), metavar=('MIN', 'MAX'),
                        help='inclusive range of persons per image')
    parser.add_argument('--overlap', type=float, default=0.5,
                        help='probability that a person is placed right next to another one')
    parser.add_argument('--person-height', type=float, nargs=2, default=(0.45, 0.9), metavar=('MIN', 'MAX'),
                        help='standing height of a person as a fraction of the image height')
    parser.add_argument('--workers', type=int, default=0, help='worker processes (0: render in this process)')
    parser.add_argument('--preview', type=int, default=0, metavar='N',
                        help='also save OUT_DIR/preview.jpg with N annotated training images')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def format_stats(split: str, stats: dict) -> str:
    """Render the stats of one split as an aligned two-column table."""
    width = max(len(label) for label, _, _ in STAT_ROWS)
    lines = [f'[{split}]']
    for label, key, fmt in STAT_ROWS:
        lines.append(f'  {label:<{width}}  {fmt.format(stats[key])}')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    start = time.perf_counter()
    results = {}
    for split, count in (('train', args.num_train), ('val', args.num_val)):
        if count <= 0:
            continue
        results[split] = generate_synthetic_crowd(
            args.out_dir, count, split=split, seed=args.seed, layout=args.layout,
            image_size=tuple(args.image_size), persons_per_image=tuple(args.persons), overlap=args.overlap,
            person_height=tuple(args.person_height), num_workers=args.workers, progress=not args.no_progress)
    if not results:
        raise SystemExit('nothing to do: both --num-train and --num-val are 0')
    for split, result in results.items():
        print(f'{split}: images in {result["img_dir"]}')
        for layout, path in result['ann_files'].items():
            print(f'{split}: {layout} annotations in {path}')
    for split, result in results.items():
        print(format_stats(split, result['stats']))
    if args.preview > 0:
        split = next(iter(results))
        layout = 'coco' if 'coco' in results[split]['ann_files'] else 'crowdpose'
        path = draw_preview(results[split]['ann_files'][layout], results[split]['img_dir'],
                            osp.join(args.out_dir, 'preview.jpg'), num_images=args.preview)
        print(f'preview of {args.preview} {split} images: {path}')
    print(f'total wall time {time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
