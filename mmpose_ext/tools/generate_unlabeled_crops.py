"""Unlabeled person crops from a new synthetic crowd set, for the unlabeled-data variant of Fast Pose Distillation.

Scenes are rendered with the generator of ``generate_synthetic_crowd.py`` from their own random streams (split
name ``unlabeled``, so no image repeats the train or val split whatever the seed). Every kept person is cut out
around its box, padded as the top-down pipeline pads boxes (1.25), and written as a JPEG; keypoints and boxes are
discarded and no annotation file is written. Crops rather than whole scenes, because the students are top-down
models: a crop framed like a labelled sample shows the teacher what it was trained on, while a whole scene of up to
four people has no single person for its heatmaps to describe.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import time
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

UNLABELED_SPLIT = 'unlabeled'


def padded_crop(image: np.ndarray, box: Sequence[float], padding: float) -> np.ndarray:
    """The box ``[x, y, w, h]`` scaled by ``padding`` about its centre; outside the image is black, as
    mmpose's ``TopdownAffine`` fills it."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    out_w, out_h = max(1, int(round(w * padding))), max(1, int(round(h * padding)))
    shift = np.array([[1, 0, out_w / 2 - cx], [0, 1, out_h / 2 - cy]], dtype=np.float64)
    return cv2.warpAffine(image, shift, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))


def write_unlabeled_crops(out_dir: str, num_images: int, seed: int = 1, padding: float = 1.25,
                          image_size: Tuple[int, int] = (256, 256), persons_per_image: Tuple[int, int] = (1, 4),
                          overlap: float = 0.5, person_height: Tuple[float, float] = (0.45, 0.9),
                          jpeg_quality: int = 90) -> Dict[str, object]:
    """Renders ``num_images`` scenes and writes ``out_dir/crops/{image:06d}_{person}.jpg``.

    Args:
        out_dir: output root.
        num_images: scenes to render (>= 1).
        seed: non-negative base seed of the scenes' random streams.
        padding: crop size relative to the person's box.
        image_size, persons_per_image, overlap, person_height: scene settings, as
            :class:`mmpose_ext.datasets.synthetic.SyntheticCrowdConfig`.
        jpeg_quality: JPEG quality of the crops.

    Returns:
        ``crop_dir``, ``num_images``, ``num_crops`` and ``wall_time_s``.
    """
    from mmpose_ext.datasets.synthetic import SyntheticCrowdConfig, image_rng, render_scene

    if num_images < 1:
        raise ValueError(f'num_images must be >= 1, got {num_images}')
    if padding < 1.0:
        raise ValueError(f'padding must be >= 1 (the crop holds the whole box), got {padding}')
    start = time.perf_counter()
    config = SyntheticCrowdConfig(image_size=tuple(image_size), persons_per_image=tuple(persons_per_image),
                                  overlap=overlap, person_height=tuple(person_height), jpeg_quality=jpeg_quality)
    image_rng(seed, UNLABELED_SPLIT, 0)  # validates the seed before anything is written
    crop_dir = osp.join(out_dir, 'crops')
    os.makedirs(crop_dir, exist_ok=True)
    num_crops = 0
    for index in range(num_images):
        scene = render_scene(config, image_rng(seed, UNLABELED_SPLIT, index))
        for number, person in enumerate(scene.kept_persons):
            path = osp.join(crop_dir, f'{index + 1:06d}_{number}.jpg')
            if not cv2.imwrite(path, padded_crop(scene.image, person.bbox, padding),
                               [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]):
                raise RuntimeError(f'could not write {path}')
            num_crops += 1
    return dict(crop_dir=crop_dir, num_images=num_images, num_crops=num_crops,
                wall_time_s=time.perf_counter() - start)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Write unlabeled person crops of a new synthetic crowd set '
                                     '(keypoints discarded) for FPD with unlabeled data.')
    parser.add_argument('out_dir', help='output root; the crops go to OUT_DIR/crops/')
    parser.add_argument('--num-images', type=int, default=500, help='scenes to render')
    parser.add_argument('--seed', type=int, default=1, help='base seed (the labelled set uses 0)')
    parser.add_argument('--padding', type=float, default=1.25, help='crop size relative to the person box')
    parser.add_argument('--image-size', type=int, nargs=2, default=(256, 256), metavar=('W', 'H'))
    parser.add_argument('--persons', type=int, nargs=2, default=(1, 4), metavar=('MIN', 'MAX'))
    parser.add_argument('--overlap', type=float, default=0.5)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    result = write_unlabeled_crops(args.out_dir, args.num_images, seed=args.seed, padding=args.padding,
                                   image_size=tuple(args.image_size), persons_per_image=tuple(args.persons),
                                   overlap=args.overlap)
    print(f'wrote {result["num_crops"]} crops of {result["num_images"]} scenes to {result["crop_dir"]} '
          f'in {result["wall_time_s"]:.1f} s')
