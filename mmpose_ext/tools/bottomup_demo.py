"""Bottom-up predictions on images, each grouped person in its own colour, tiled into one picture.

    python tools/bottomup_demo.py CONFIG CHECKPOINT IMAGES [--num 8] [--out bottomup.jpg] [--kpt-thr 0.3]

IMAGES is an image file or a folder (its first ``--num`` images, sorted by name). The config's test pipeline,
flip test and grouping are used as in ``tools/test.py`` (mmpose's ``inference_bottomup``).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
from typing import List, Optional, Sequence

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Bottom-up pose picture: each grouped person in its own colour')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', help='an image file or a folder of images')
    parser.add_argument('--num', type=int, default=8, help='images from the folder (sorted by name)')
    parser.add_argument('--out', default='bottomup.jpg', help='the picture to write')
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='joints below this score are not drawn')
    parser.add_argument('--min-joints', type=int, default=3, help='persons with fewer drawn joints are skipped')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def list_images(path: str, num: int) -> List[str]:
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise SystemExit(f'error: {path} is neither an image file nor a folder')
    files = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTENSIONS))[:num]
    if not files:
        raise SystemExit(f'error: no images ({", ".join(IMAGE_EXTENSIONS)}) in {path}')
    return [osp.join(path, f) for f in files]


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    import cv2
    from mmpose.apis import inference_bottomup, init_model

    import mmpose_ext  # noqa: F401  (registers the plugin)
    from mmpose_ext.visualization import draw_grouped_poses, image_grid
    model = init_model(args.config, args.checkpoint, device=args.device)
    skeleton = model.dataset_meta['skeleton_links']
    tiles, titles = [], []
    for path in list_images(args.images, args.num):
        image = cv2.imread(path)
        if image is None:
            raise SystemExit(f'error: cannot read image {path}')
        pred = inference_bottomup(model, path)[0].pred_instances
        canvas, drawn = draw_grouped_poses(image, pred.keypoints, pred.keypoint_scores, skeleton, args.kpt_thr,
                                           args.min_joints)
        tiles.append(canvas)
        titles.append(f'{osp.basename(path)}: {drawn} persons')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, image_grid(tiles, cols=min(4, len(tiles)), titles=titles))
    print(f'wrote {args.out}: {len(tiles)} images')
