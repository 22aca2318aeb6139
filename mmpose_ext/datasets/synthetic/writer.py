"""Generation driver and writers of the COCO (17 keypoints) and CrowdPose (14 keypoints) annotation files."""
import json
import os
import os.path as osp
import time
from typing import Any, Dict, Iterable, List, Sequence, Tuple

import cv2
import numpy as np

from .scene import SyntheticCrowdConfig, image_rng, render_scene
from .skeleton import (COCO_FROM_INTERNAL, COCO_KEYPOINT_NAMES, COCO_SKELETON, CROWDPOSE_FROM_INTERNAL,
                       CROWDPOSE_KEYPOINT_NAMES, CROWDPOSE_NUM_BODY_JOINTS, CROWDPOSE_SKELETON)

LAYOUTS = ('coco', 'crowdpose')
SHARED_BOX_IOU = 0.3


def _layouts(layout: str) -> Tuple[str, ...]:
    if layout == 'both':
        return LAYOUTS
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be 'coco', 'crowdpose' or 'both', got {layout!r}")
    return (layout, )


def layout_keypoints(internal: np.ndarray, layout: str) -> List[float]:
    """Flat [x1, y1, v1, ...] list of one person in an output layout.

    Args:
        internal: (NUM_ANNOTATED_JOINTS, 3) keypoints in the internal order.
        layout: 'coco' or 'crowdpose'.
    """
    indices = COCO_FROM_INTERNAL if layout == 'coco' else CROWDPOSE_FROM_INTERNAL
    flat: List[float] = []
    for x, y, v in internal[list(indices)]:
        flat.extend((float(x), float(y), int(v)))
    return flat


def count_labelled(keypoints: Sequence[float], layout: str) -> int:
    """``num_keypoints`` of a flat keypoint list: labelled (v > 0) joints; CrowdPose counts body joints only.

    Args:
        keypoints: Flat [x, y, v, ...] list.
        layout: 'coco' or 'crowdpose'.
    """
    visibility = keypoints[2::3]
    if layout == 'crowdpose':
        visibility = visibility[:CROWDPOSE_NUM_BODY_JOINTS]
    return sum(1 for v in visibility if v > 0)


def _inside(box: Sequence[float], x: float, y: float) -> bool:
    return box[0] <= x <= box[0] + box[2] and box[1] <= y <= box[1] + box[3]


def crowd_index(annotations: Sequence[Dict[str, Any]]) -> float:
    """CrowdPose crowd index of one image: mean over persons of N_b(i) / N_a(i).

    N_a(i) counts the labelled joints of person i inside its own box, N_b(i) the labelled joints of the other
    persons inside person i's box.  Persons with N_a(i) = 0 contribute 0.

    Args:
        annotations: The image's annotations with flat ``keypoints`` and xywh ``bbox``.
    """
    if not annotations:
        return 0.0
    joints = [[(kpts[k], kpts[k + 1]) for k in range(0, len(kpts), 3) if kpts[k + 2] > 0]
              for kpts in (ann['keypoints'] for ann in annotations)]
    total = 0.0
    for i, ann in enumerate(annotations):
        own = sum(1 for x, y in joints[i] if _inside(ann['bbox'], x, y))
        others = sum(1 for j, points in enumerate(joints) if j != i
                     for x, y in points if _inside(ann['bbox'], x, y))
        total += others / own if own else 0.0
    return total / len(annotations)


def _box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    inter_w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    inter_h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if inter_w <= 0 or inter_h <= 0:
        return 0.0
    inter = inter_w * inter_h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def shared_box_flags(boxes: Sequence[Sequence[float]]) -> List[bool]:
    """Per box of one image: does another box overlap it with IoU > 0.3 or have its centre inside it?

    Args:
        boxes: xywh boxes of one image.
    """
    flags = []
    for i, box in enumerate(boxes):
        flags.append(any(
            _box_iou(box, other) > SHARED_BOX_IOU
            or _inside(box, other[0] + other[2] / 2, other[1] + other[3] / 2)
            for j, other in enumerate(boxes) if j != i))
    return flags


def _category(layout: str) -> Dict[str, Any]:
    names, skeleton = ((COCO_KEYPOINT_NAMES, COCO_SKELETON) if layout == 'coco' else
                       (CROWDPOSE_KEYPOINT_NAMES, CROWDPOSE_SKELETON))
    return dict(supercategory='person', id=1, name='person', keypoints=list(names),
                skeleton=[list(pair) for pair in skeleton])


def _render_and_save(task: Tuple[SyntheticCrowdConfig, int, str, int, str]) -> Dict[str, Any]:
    """Render image ``index`` of a split, write its JPEG and return its kept persons and drop count."""
    config, seed, split, index, path = task
    scene = render_scene(config, image_rng(seed, split, index))
    ok, encoded = cv2.imencode('.jpg', scene.image, [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality])
    if not ok:
        raise RuntimeError(f'JPEG encoding failed for {path}')
    with open(path, 'wb') as file:
        file.write(encoded.tobytes())
    kept = [dict(keypoints=person.keypoints, bbox=person.bbox, area=person.area)
            for person in scene.kept_persons]
    return dict(persons=kept, dropped=len(scene.persons) - len(kept))


def _run_tasks(tasks: List[tuple], num_workers: int, progress: bool) -> Iterable[Dict[str, Any]]:
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(tasks), unit='img', desc=f'rendering {tasks[0][2]}' if tasks else 'rendering')
    if num_workers > 1:
        import multiprocessing
        with multiprocessing.Pool(num_workers) as pool:
            for result in pool.imap(_render_and_save, tasks, chunksize=8):  # imap keeps the order
                if bar is not None:
                    bar.update()
                yield result
    else:
        for task in tasks:
            result = _render_and_save(task)
            if bar is not None:
                bar.update()
            yield result
    if bar is not None:
        bar.close()


def _dump(data: Dict[str, Any], path: str) -> None:
    with open(path, 'w', encoding='utf-8') as file:
        file.write(json.dumps(data, separators=(',', ':')))


def generate_synthetic_crowd(out_dir: str, num_images: int, split: str = 'train', seed: int = 0,
                             layout: str = 'both', image_size: Tuple[int, int] = (256, 256),
                             persons_per_image: Tuple[int, int] = (1, 4), overlap: float = 0.5,
                             person_height: Tuple[float, float] = (0.45, 0.9), jpeg_quality: int = 90,
                             num_workers: int = 0, progress: bool = False) -> Dict[str, Any]:
    """Render a synthetic crowd split and write its images and annotation files.

    Writes ``out_dir/images/{split}/{image_id:06d}.jpg`` plus ``out_dir/annotations/coco_{split}.json``
    (17 keypoints) and/or ``out_dir/annotations/crowdpose_{split}.json`` (14 keypoints, ``crowdIndex`` per
    image).  Image and annotation ids start at 1.  The output depends only on the arguments (not on
    ``num_workers``): every image has its own random stream derived from (seed, split, image index).

    Args:
        out_dir: Output root.
        num_images: Number of images to render (>= 1).
        split: Split name, e.g. 'train' or 'val'; different splits use different random streams.
        seed: Non-negative base seed.
        layout: 'coco', 'crowdpose' or 'both'.
        image_size: (width, height), each at least 32.
        persons_per_image: Inclusive (min, max) persons drawn per image.
        overlap: Probability that a person is placed right next to an earlier one (boxes overlap strongly).
        person_height: (min, max) standing height as a fraction of the image height.
        jpeg_quality: JPEG quality.
        num_workers: Worker processes; 0 or 1 renders in this process.
        progress: Show a tqdm progress bar.

    Returns:
        dict with ``ann_files`` (layout -> path), ``img_dir`` and ``stats`` (num_images, num_persons,
        persons_per_image, shared_box_fraction, occluded_joint_fraction, num_dropped, mean_crowd_index,
        wall_time_s).
    """
    start = time.perf_counter()
    layouts = _layouts(layout)
    if num_images < 1:
        raise ValueError(f'num_images must be >= 1, got {num_images}')
    if not split or os.sep in split:
        raise ValueError(f'split must be a plain non-empty name, got {split!r}')
    config = SyntheticCrowdConfig(image_size=tuple(image_size), persons_per_image=tuple(persons_per_image),
                                  overlap=overlap, person_height=tuple(person_height),
                                  jpeg_quality=jpeg_quality)
    image_rng(seed, split, 0)  # validates the seed before anything is written
    img_dir, ann_dir = osp.join(out_dir, 'images', split), osp.join(out_dir, 'annotations')
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)

    width, height = config.image_size
    tasks = [(config, seed, split, index, osp.join(img_dir, f'{index + 1:06d}.jpg'))
             for index in range(num_images)]
    files = {}
    for name in layouts:
        info = dict(description=f'mmpose_ext synthetic crowd ({name} layout)', split=split, seed=seed)
        files[name] = dict(info=info, licenses=[], images=[], annotations=[], categories=[_category(name)])
    num_persons = num_dropped = num_shared = labelled = occluded = 0
    crowd_indices = []
    ann_id = 0
    for index, result in enumerate(_run_tasks(tasks, num_workers, progress)):
        image_id = index + 1
        num_dropped += result['dropped']
        per_layout = {name: [] for name in LAYOUTS}
        for person in result['persons']:
            ann_id += 1
            for name in LAYOUTS:
                keypoints = layout_keypoints(person['keypoints'], name)
                ann = dict(id=ann_id, image_id=image_id, category_id=1, bbox=person['bbox'])
                if name == 'coco':
                    ann['area'] = float(person['area'])
                ann.update(iscrowd=0, num_keypoints=count_labelled(keypoints, name), keypoints=keypoints)
                per_layout[name].append(ann)
            visibility = person['keypoints'][:, 2]
            labelled += int((visibility > 0).sum())
            occluded += int((visibility == 1).sum())
        num_persons += len(result['persons'])
        num_shared += sum(shared_box_flags([person['bbox'] for person in result['persons']]))
        crowd = round(crowd_index(per_layout['crowdpose']), 4)
        crowd_indices.append(crowd)
        for name in layouts:
            image = dict(id=image_id, file_name=f'{image_id:06d}.jpg', width=width, height=height)
            if name == 'crowdpose':
                image['crowdIndex'] = crowd
            files[name]['images'].append(image)
            files[name]['annotations'].extend(per_layout[name])

    ann_files = {}
    for name in layouts:
        ann_files[name] = osp.join(ann_dir, f'{name}_{split}.json')
        _dump(files[name], ann_files[name])
    stats = dict(num_images=num_images, num_persons=num_persons, persons_per_image=num_persons / num_images,
                 shared_box_fraction=num_shared / max(num_persons, 1),
                 occluded_joint_fraction=occluded / max(labelled, 1), num_dropped=num_dropped,
                 mean_crowd_index=float(np.mean(crowd_indices)), wall_time_s=time.perf_counter() - start)
    return dict(ann_files=ann_files, img_dir=img_dir, stats=stats)
