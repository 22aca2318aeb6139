"""Hand-built PoseTrack18 sequences with known answers, shared by the PoseTrack metric and dataset tests."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

NAMES = ['nose', 'head_bottom', 'head_top', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
         'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
         'right_knee', 'left_ankle', 'right_ankle']
# a standing person at the origin; ears unlabelled (0, 0, 0) as in PoseTrack18
_BODY = {'nose': (0, 5), 'head_bottom': (0, 12), 'head_top': (0, -8), 'left_shoulder': (15, 25),
         'right_shoulder': (-15, 25), 'left_elbow': (22, 50), 'right_elbow': (-22, 50), 'left_wrist': (25, 75),
         'right_wrist': (-25, 75), 'left_hip': (10, 85), 'right_hip': (-10, 85), 'left_knee': (12, 120),
         'right_knee': (-12, 120), 'left_ankle': (12, 155), 'right_ankle': (-12, 155)}
HEAD_BOX = (20.0, 15.0)  # w, h: head size 0.6 * 25 = 15 px, PCKh@0.5 threshold 7.5 px


def person(x: float, y: float) -> List[float]:
    """17 x (x, y, v) of the standard person shifted to (x, y)."""
    flat = []
    for name in NAMES:
        if name in _BODY:
            flat += [x + _BODY[name][0], y + _BODY[name][1], 1]
        else:
            flat += [0, 0, 0]
    return flat


def annotation(ann_id: int, image_id: int, x: float, y: float, track_id: int) -> dict:
    return dict(id=ann_id, image_id=image_id, category_id=1, track_id=track_id, keypoints=person(x, y),
                bbox=[x - 30, y - 10, 60, 170], bbox_head=[x - 10, y - 8, *HEAD_BOX], scores=[])


def sequence(video: str, first_id: int, people: Dict[int, List[tuple]], num_frames: int = 3,
             regions: Optional[Dict[int, list]] = None) -> dict:
    """One PoseTrack18 sequence file; ``people[frame] = [(x, y), ...]``; frames without people are unlabelled."""
    images, anns = [], []
    for f in range(num_frames):
        image_id = first_id + f
        img = dict(id=image_id, frame_id=image_id, vid_id=video, nframes=num_frames, width=320, height=240,
                   file_name=f'images/val/{video}/{f:06d}.jpg', is_labeled=f in people, has_no_densepose=True)
        if regions and f in regions:
            img['ignore_regions_x'] = [[p[0] for p in poly] for poly in regions[f]]
            img['ignore_regions_y'] = [[p[1] for p in poly] for poly in regions[f]]
        images.append(img)
        for k, (x, y) in enumerate(people.get(f, [])):
            anns.append(annotation(image_id * 100 + k, image_id, x, y, k))
    return dict(images=images, annotations=anns,
                categories=[dict(id=1, name='person', supercategory='person', keypoints=NAMES, skeleton=[])])


def build_gt() -> List[dict]:
    """Two sequences: A (3 frames: 2 persons, unlabelled, 1 person + an empty ignore region elsewhere) and B
    (2 frames: 1 person each, frame 1 with an ignore region around (250, 100))."""
    region = [[(200, 20), (300, 20), (300, 200), (200, 200)]]
    seq_a = sequence('000001_mpii_test', 10010000, {0: [(60, 40), (160, 40)], 2: [(100, 50)]})
    seq_b = sequence('000002_mpii_test', 10020000, {0: [(80, 40)], 1: [(80, 45)]}, num_frames=2,
                     regions={1: region})
    return [seq_a, seq_b]


def merged(files: List[dict]) -> dict:
    out = dict(images=[], annotations=[], categories=files[0]['categories'])
    for f in files:
        out['images'] += f['images']
        out['annotations'] += f['annotations']
    return out


def write_gt(root: Path, files: Optional[List[dict]] = None) -> Dict[str, Path]:
    """Writes the per-sequence folder ``root/val/`` and the merged ``root/posetrack18_val.json``."""
    files = files or build_gt()
    folder = root / 'val'
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        name = Path(f['images'][0]['file_name']).parent.name
        (folder / f'{name}.json').write_text(json.dumps(f))
    merged_file = root / 'posetrack18_val.json'
    merged_file.write_text(json.dumps(merged(files)))
    return dict(folder=folder, merged=merged_file)


def gt_as_results(files: Optional[List[dict]] = None, score: float = 1.0) -> List[dict]:
    """Every ground-truth person as a COCO-style result (keypoint score ``score`` in the third slot)."""
    results = []
    for f in files or build_gt():
        for ann in f['annotations']:
            kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
            kpts[:, 2] = np.where(kpts[:, 2] > 0, score, 0)
            results.append(dict(image_id=ann['image_id'], category_id=1, keypoints=kpts.reshape(-1).tolist(),
                                score=score))
    return copy.deepcopy(results)
