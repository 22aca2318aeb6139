"""Convert MPII's official json (mmpose/HRNet layout) and ``mpii_gt_val.mat`` into a COCO-style file with head boxes.

PoseFix reads MPII as COCO-style files (its reference converts the .mat the same way): images with ids, one
annotation per person with 16 keypoints (x, y, v) in the official joint order, a box, and here also the head
box ``bbox_head`` ([x, y, w, h]) that PCKh needs (``PoseFixMpiiPCKhMetric``)::

    python tools/dataset_converters/mpii_to_coco.py data/mpii/annotations/mpii_val.json \\
        data/mpii/annotations/mpii_val_coco.json --headbox-file data/mpii/annotations/mpii_gt_val.mat \\
        --img-dir data/mpii/images

Coordinates become 0-based (the file's 1-based MATLAB values - 1, as ``MpiiOfficialDataset`` feeds the model).
The box is the keypoint extent enlarged 1.2 times about its centre (the reference converter's rule), or, for a
person with fewer than two distinct labelled joints, the square of side 200 x scale around ``center``. Every
person is kept; image ids number the images in the order they first appear, from 1.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional

import numpy as np

from mmpose_ext.datasets import MpiiOfficialDataset
from mmpose_ext.datasets.common import AnnotationError, load_json_file


def convert(ann_file: str, img_dir: str, headbox_file: Optional[str] = None) -> Dict[str, Any]:
    """The COCO-style dict of an MPII json (and head boxes, if given). Image sizes are read from ``img_dir``."""
    from PIL import Image
    dataset = MpiiOfficialDataset(ann_file=ann_file, headbox_file=headbox_file, test_mode=headbox_file is not None,
                                  check_files=False, data_prefix=dict(img=''), serialize_data=False)
    names = dataset.metainfo['keypoint_id2name']
    entries = load_json_file(ann_file)
    images: Dict[str, dict] = {}
    annotations: List[dict] = []
    for i in range(len(dataset)):
        raw = dataset.get_data_info(i)['raw_ann_info']
        name = raw['image']
        if name not in images:
            path = osp.join(img_dir, name)
            if not osp.isfile(path):
                raise FileNotFoundError(f'{ann_file}: entry {raw["index"]} refers to {path}, which is missing')
            with Image.open(path) as im:
                width, height = im.size
            images[name] = dict(id=len(images) + 1, file_name=name, width=width, height=height)
        joints = np.asarray(raw['joints'], dtype=np.float64) - 1.0
        labelled = np.asarray(raw['joints_vis']) > 0
        kpts = np.where(labelled[:, None], np.concatenate([joints, np.ones((len(joints), 1))], 1), 0.0)
        pts = joints[labelled]
        if len(pts) and (np.ptp(pts, 0) > 0).all():
            centre, size = (pts.min(0) + pts.max(0)) / 2, np.ptp(pts, 0) * 1.2
        else:
            entry = entries[raw['index']]
            centre, size = np.asarray(entry['center'], dtype=np.float64) - 1, np.full(2, 200.0 * entry['scale'])
        ann = dict(id=len(annotations) + 1, image_id=images[name]['id'], category_id=1, iscrowd=0,
                   keypoints=[round(float(v), 3) for v in kpts.reshape(-1)], num_keypoints=int(labelled.sum()),
                   bbox=[round(float(v), 3) for v in (*(centre - size / 2), *size)],
                   area=round(float(size[0] * size[1]), 3))
        if 'headbox' in raw:
            (x1, y1), (x2, y2) = raw['headbox']
            if not (x2 - x1 > 0 or y2 - y1 > 0):
                raise AnnotationError(f'{headbox_file}: the head box of entry {raw["index"]} ({name}) has zero size')
            ann['bbox_head'] = [x1 - 1.0, y1 - 1.0, x2 - x1, y2 - y1]
        annotations.append(ann)
    category = dict(id=1, name='person', supercategory='person', keypoints=[names[k] for k in range(len(names))],
                    skeleton=[])
    return dict(images=list(images.values()), annotations=annotations, categories=[category])


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('ann_file', help="MPII json (mmpose's mpii_train.json / mpii_val.json)")
    parser.add_argument('out_file', help='COCO-style file to write')
    parser.add_argument('--img-dir', required=True, help='the MPII images (for their sizes)')
    parser.add_argument('--headbox-file', help='mpii_gt_val.mat: adds bbox_head (needed for PCKh)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    data = convert(args.ann_file, args.img_dir, args.headbox_file)
    os.makedirs(osp.dirname(osp.abspath(args.out_file)), exist_ok=True)
    with open(args.out_file, 'w') as f:
        json.dump(data, f)
    print(f'{len(data["annotations"])} persons in {len(data["images"])} images -> {args.out_file}')


if __name__ == '__main__':
    main()
