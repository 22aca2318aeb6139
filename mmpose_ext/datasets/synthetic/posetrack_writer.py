"""A small PoseTrack18-style video set from the synthetic crowd scenes, for PoseFix's PoseTrack learning check.

Each sequence is one rendered crowd scene seen by a slowly panning camera: frame ``t`` is the scene shifted by
``t * motion`` pixels (a random direction per sequence), so persons move a little from frame to frame. Files
are written in the PoseTrack18 format: the merged COCO-style ``annotations/posetrack18_{split}.json`` and the
per-sequence folder ``annotations/{split}/<sequence>.json``, with ``vid_id``, ``frame_id``, ``is_labeled``,
``bbox_head``, 17 joints (nose, head_bottom = the figure's neck, head_top, ears never labelled, COCO's body
joints) and, in some sequences, an ignore region around one person, whose annotation is then left out (as the
PoseTrack annotators did).
"""
from __future__ import annotations

import json
import math
import os
import os.path as osp
import zlib
from typing import Any, Dict, List, Optional, Tuple

import cv2
import numpy as np

from ..posetrack18_metainfo import POSETRACK18_KEYPOINT_NAMES
from .scene import SyntheticCrowdConfig, image_rng, render_scene
from .skeleton import JOINT_INDEX

_INTERNAL_NAME = {'head_bottom': 'neck'}
_EARS = ('left_ear', 'right_ear')


def _posetrack_keypoints(internal: np.ndarray, shift: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """(17, 3) PoseTrack18 keypoints (v in {0, 1}) of one person, shifted; joints leaving the image: 0, 0, 0."""
    out = np.zeros((len(POSETRACK18_KEYPOINT_NAMES), 3))
    for k, name in enumerate(POSETRACK18_KEYPOINT_NAMES):
        if name in _EARS:
            continue  # never labelled in PoseTrack18
        x, y, v = internal[JOINT_INDEX[_INTERNAL_NAME.get(name, name)]]
        x, y = x + shift[0], y + shift[1]
        if v > 0 and 0 <= x <= size[0] - 1 and 0 <= y <= size[1] - 1:
            out[k] = (round(x, 2), round(y, 2), 1)
    return out


def _head_box(kpts: np.ndarray, bbox: List[float]) -> List[float]:
    """Head rectangle [x, y, w, h] around head top and head bottom, or from the person box without them."""
    top, bottom = kpts[2], kpts[1]
    if top[2] > 0 and bottom[2] > 0:
        length = max(math.hypot(top[0] - bottom[0], top[1] - bottom[1]), 4.0)
        cx, cy = (top[0] + bottom[0]) / 2, (top[1] + bottom[1]) / 2
        return [round(cx - 0.4 * length, 2), round(cy - 0.5 * length, 2), round(0.8 * length, 2), round(length, 2)]
    x, y, w, h = bbox
    return [round(x + 0.35 * w, 2), round(y, 2), round(max(0.3 * w, 4.0), 2), round(max(0.15 * h, 4.0), 2)]


def generate_synthetic_posetrack(out_dir: str, num_sequences: int, split: str = 'val', seed: int = 0,
                                 num_frames: int = 6, labeled_every: int = 2, motion: float = 1.5,
                                 ignore_prob: float = 0.3, image_size: Tuple[int, int] = (256, 256),
                                 persons_per_image: Tuple[int, int] = (1, 4), overlap: float = 0.5) -> Dict[str, Any]:
    """Renders ``num_sequences`` sequences and writes their images and PoseTrack18 annotation files.

    Args:
        out_dir: output root (``images/{split}/<sequence>/NNNNNN.jpg``, ``annotations/...``).
        num_sequences: number of sequences (videos).
        split: split name; each split has its own random streams.
        seed: non-negative base seed.
        num_frames: frames per sequence.
        labeled_every: frames ``0, n, 2n, ...`` are labelled (``is_labeled``); the others carry no annotation.
        motion: camera pan in pixels per frame.
        ignore_prob: probability that a sequence (with at least 2 persons) gets an ignore region around one
            person.
        image_size, persons_per_image, overlap: as :func:`generate_synthetic_crowd`.

    Returns:
        dict with ``ann_file`` (merged), ``gt_folder`` (per sequence), ``img_dir`` and ``stats``.
    """
    if num_sequences < 1 or num_frames < 1 or labeled_every < 1:
        raise ValueError('num_sequences, num_frames and labeled_every must be >= 1')
    config = SyntheticCrowdConfig(image_size=tuple(image_size), persons_per_image=tuple(persons_per_image),
                                  overlap=overlap)
    width, height = config.image_size
    ann_dir = osp.join(out_dir, 'annotations')
    gt_folder = osp.join(ann_dir, split)
    os.makedirs(gt_folder, exist_ok=True)
    category = dict(id=1, name='person', supercategory='person', keypoints=list(POSETRACK18_KEYPOINT_NAMES),
                    skeleton=[])
    merged: Dict[str, list] = dict(images=[], annotations=[], categories=[category])
    stats = dict(sequences=num_sequences, frames=0, labeled_frames=0, persons=0, ignore_regions=0)
    split_code = zlib.crc32(split.encode()) % 1000
    for seq in range(num_sequences):
        scene = render_scene(config, image_rng(seed, f'posetrack-{split}', seq))
        rng = np.random.default_rng([seed, split_code, seq, 7])
        angle = rng.uniform(0, 2 * np.pi)
        step = motion * np.array([np.cos(angle), np.sin(angle)])
        persons = scene.kept_persons
        ignored: Optional[int] = None
        if len(persons) >= 2 and rng.random() < ignore_prob:
            ignored = int(rng.integers(len(persons)))
        video = f'{seq + 1:06d}_synth_{split}'
        img_dir = osp.join(out_dir, 'images', split, video)
        os.makedirs(img_dir, exist_ok=True)
        images, anns = [], []
        for f in range(num_frames):
            shift = step * f
            frame = cv2.warpAffine(scene.image, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), (width, height),
                                   borderMode=cv2.BORDER_REFLECT)
            file_name = f'images/{split}/{video}/{f:06d}.jpg'
            cv2.imwrite(osp.join(out_dir, file_name), frame, [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality])
            image_id = int(f'1{seq + 1:06d}{f:04d}')
            labeled = f % labeled_every == 0
            img = dict(id=image_id, frame_id=image_id, vid_id=f'{seq + 1:06d}', nframes=num_frames, width=width,
                       height=height, file_name=file_name, is_labeled=labeled, has_no_densepose=True)
            if ignored is not None:
                x, y, w, h = persons[ignored].bbox
                xs = [x - 2 + shift[0], x + w + 2 + shift[0], x + w + 2 + shift[0], x - 2 + shift[0]]
                ys = [y - 2 + shift[1], y - 2 + shift[1], y + h + 2 + shift[1], y + h + 2 + shift[1]]
                img.update(ignore_regions_x=[[round(v, 2) for v in xs]], ignore_regions_y=[[round(v, 2) for v in ys]])
            images.append(img)
            if not labeled:
                continue
            stats['labeled_frames'] += 1
            for k, p in enumerate(persons):
                if k == ignored:
                    continue
                kpts = _posetrack_keypoints(p.keypoints, shift, (width, height))
                if kpts[:, 2].sum() < 2:
                    continue  # left the image
                x, y, w, h = p.bbox
                bbox = [round(x + shift[0], 2), round(y + shift[1], 2), w, h]
                anns.append(dict(id=image_id * 100 + k, image_id=image_id, category_id=1, track_id=k,
                                 keypoints=kpts.reshape(-1).tolist(), bbox=bbox, bbox_head=_head_box(kpts, bbox),
                                 num_keypoints=int(kpts[:, 2].sum()), iscrowd=0, area=float(w * h), scores=[]))
        stats['frames'] += num_frames
        stats['persons'] += len(anns)
        stats['ignore_regions'] += int(ignored is not None)
        sequence = dict(images=images, annotations=anns, categories=[category])
        with open(osp.join(gt_folder, f'{video}.json'), 'w') as fh:
            json.dump(sequence, fh)
        merged['images'] += images
        merged['annotations'] += anns
    ann_file = osp.join(ann_dir, f'posetrack18_{split}.json')
    with open(ann_file, 'w') as fh:
        json.dump(merged, fh)
    return dict(ann_file=ann_file, gt_folder=gt_folder, img_dir=osp.join(out_dir, 'images', split), stats=stats)
