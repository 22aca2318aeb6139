"""Bottom-up predictions on images, each grouped person in its own colour, tiled into one picture.

    python tools/bottomup_demo.py CONFIG CHECKPOINT IMAGES [--num 8] [--out bottomup.jpg] [--kpt-thr 0.3]
        [--decode-thr 0.05] [--tag-thr 1.0] [--cfg-options KEY=VALUE ...]

IMAGES is an image file or a folder (its first ``--num`` images, sorted by name). The config's test pipeline,
flip test and grouping are used as in ``tools/test.py`` (mmpose's ``inference_bottomup``). Two thresholds decide
what is seen: the grouping's ``decode_keypoint_thr`` (``--decode-thr``: joints below it start no person) and the
picture's ``--kpt-thr`` (joints below it are not drawn). Each image's line says how many poses were found and
drawn, and when none were, which threshold stopped them.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

from mmengine.config import DictAction

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Bottom-up pose picture: each grouped person in its own colour')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', help='an image file or a folder of images')
    parser.add_argument('--num', type=int, default=8, help='images from the folder (sorted by name)')
    parser.add_argument('--out', default='work_dirs/bottomup_demo.jpg', help='the picture to write')
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='joints below this score are not drawn')
    parser.add_argument('--min-joints', type=int, default=3, help='persons with fewer drawn joints are skipped')
    parser.add_argument('--decode-thr', type=float,
                        help='grouping: joints below this heatmap value start no person (the decoder\'s '
                             'decode_keypoint_thr, 0.1 in the configs); lower it, e.g. 0.02, for a young model')
    parser.add_argument('--tag-thr', type=float,
                        help='grouping: largest tag distance for joining a person (the decoder\'s decode_tag_thr)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config entries, e.g. model.test_cfg.flip_test=False')
    return parser.parse_args(argv)


def decoder_options(args: argparse.Namespace) -> Dict[str, Any]:
    """``--cfg-options`` with ``--decode-thr`` / ``--tag-thr`` folded in (the flags win)."""
    options = dict(args.cfg_options)
    if args.decode_thr is not None:
        options['model.head.decoder.decode_keypoint_thr'] = args.decode_thr
    if args.tag_thr is not None:
        options['model.head.decoder.decode_tag_thr'] = args.tag_thr
    return options


def describe_image(name: str, found: int, drawn: int, decoder: Any, kpt_thr: float, min_joints: int) -> str:
    """The line printed (and the tile title) for one image: what grouping found and what the picture shows."""
    if found == 0:
        thr = getattr(decoder, 'decode_keypoint_thr', None)
        why = f'no joint above decode_keypoint_thr={thr:g}' if thr is not None else 'nothing grouped'
        return f'{name}: 0 poses: {why}'
    if drawn == 0:
        return (f'{name}: {found} poses, none drawn: none has {min_joints} joints above --kpt-thr {kpt_thr:g} '
                f'(--min-joints)')
    return f'{name}: {found} poses, {drawn} drawn'


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
    model = init_model(args.config, args.checkpoint, device=args.device, cfg_options=decoder_options(args) or None)
    skeleton = model.dataset_meta['skeleton_links']
    decoder = getattr(getattr(model, 'head', None), 'decoder', None)
    tiles, titles = [], []
    for path in list_images(args.images, args.num):
        image = cv2.imread(path)
        if image is None:
            raise SystemExit(f'error: cannot read image {path}')
        pred = inference_bottomup(model, path)[0].pred_instances
        canvas, drawn = draw_grouped_poses(image, pred.keypoints, pred.keypoint_scores, skeleton, args.kpt_thr,
                                           args.min_joints)
        tiles.append(canvas)
        line = describe_image(osp.basename(path), len(pred.keypoints), drawn, decoder, args.kpt_thr,
                              args.min_joints)
        hint = ' (lower it with --decode-thr)' if 'decode_keypoint_thr=' in line else ''
        print(line + hint, flush=True)
        titles.append(line)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, image_grid(tiles, cols=min(4, len(tiles)), titles=titles))
    print(f'wrote {args.out}: {len(tiles)} images')
