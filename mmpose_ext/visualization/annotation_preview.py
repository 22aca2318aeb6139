"""A picture of a COCO-style annotation file: its first images with every person's box and skeleton."""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional

import cv2
import numpy as np

from .pose_grid import PALETTE, draw_poses, image_grid


def draw_preview(ann_file: str, img_dir: str, out_file: str, num_images: int = 16,
                 cell_size: Optional[int] = None) -> str:
    """Save a grid of annotated images: boxes, skeletons, v=2 joints filled and v=1 joints as rings.

    Args:
        ann_file: A COCO- or CrowdPose-layout keypoint annotation file (e.g. the synthetic crowd set's).
        img_dir: Folder holding its images.
        out_file: Where to save the grid (JPEG or PNG).
        num_images: Number of images in the grid (the first ones of the file).
        cell_size: Optional side length each image is resized to; defaults to the image size.

    Returns:
        ``out_file``.
    """
    with open(ann_file, encoding='utf-8') as file:
        data = json.load(file)
    images = data['images'][:max(1, num_images)]
    skeleton = [(a - 1, b - 1) for a, b in data['categories'][0]['skeleton']]
    by_image: Dict[int, List[Dict[str, Any]]] = {}
    for ann in data['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    cells = []
    for info in images:
        image = cv2.imread(osp.join(img_dir, info['file_name']))
        if image is None:
            raise FileNotFoundError(f'{ann_file}: image {info["file_name"]} not found in {img_dir}')
        zoom = 1.0 if cell_size is None else cell_size / max(image.shape[:2])
        image = cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
        anns = by_image.get(info['id'], [])
        if anns:
            points = np.array([a['keypoints'] for a in anns], dtype=np.float64).reshape(len(anns), -1, 3)
            boxes = np.array([a['bbox'] for a in anns], dtype=np.float64) * zoom
            boxes[:, 2:] += boxes[:, :2]
            image = draw_poses(image, points[..., :2] * zoom, (points[..., 2] > 0).astype(np.float32), skeleton,
                               colors=[PALETTE[k % len(PALETTE)] for k in range(len(anns))], score_thr=0.5,
                               boxes=boxes, thickness=1, hollow=points[..., 2] == 1)
        cells.append(image)
    columns = int(np.ceil(np.sqrt(len(cells))))
    height, width = cells[0].shape[:2]
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    cv2.imwrite(out_file, image_grid(cells, cols=columns, cell=(width, height)))
    return out_file
