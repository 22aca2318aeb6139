"""PoseTrack18 ground truth and predictions for :mod:`.posetrack18_ap`, read and checked with one-line errors.

Ground truth: the official per-sequence folder (``annotations/val/*.json``, one video per file) or the merged
COCO-style file (``posetrack18_val.json``, the file mmpose documents); both use the PoseTrack18 format (``images``
with ``vid_id``/``file_name``/``ignore_regions_x``/``ignore_regions_y``, ``annotations`` with ``keypoints`` and
``bbox_head``, one ``person`` category naming its keypoints). Keypoints are mapped to poseval's 15 joints by name.

Predictions: a COCO-style results list (``image_id``, ``keypoints`` as (x, y, score) x K, optional ``scores``)
or a folder of per-sequence files in poseval's format (what mmpose's ``PoseTrack18Metric`` writes).

As in poseval, a point is absent when it is ``(0, 0)`` with a third value of 0; only frames with at least one
ground-truth person are scored (unlabelled frames and their predictions are skipped).
"""
from __future__ import annotations

import glob
import math
import os.path as osp
from collections import OrderedDict, defaultdict
from numbers import Real
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmpose_ext.datasets.common import AnnotationError, load_json_file
from .posetrack18_ap import HEAD_SIZE_FACTOR, NUM_JOINTS, POSEVAL_JOINTS, Frame, Poses

MIN_SCORE = -9999.0  # poseval's score of a predicted joint without one


def _numbers(value: Any, length: Optional[int]) -> bool:
    return (isinstance(value, (list, tuple)) and (length is None or len(value) == length)
            and all(isinstance(v, Real) and not isinstance(v, bool) for v in value))


def _conversion(categories: Any, where: str) -> Tuple[np.ndarray, int]:
    """Index of each poseval joint in the file's keypoint list, and the file's keypoint count."""
    people = [c for c in categories or [] if isinstance(c, dict) and c.get('name') == 'person']
    if len(people) != 1 or not isinstance(people[0].get('keypoints'), list):
        raise AnnotationError(f'{where}: needs exactly one "person" category with its "keypoints" names '
                              f'(PoseTrack18 format)')
    names = people[0]['keypoints']
    missing = [n for n in POSEVAL_JOINTS if n not in names]
    if missing:
        raise AnnotationError(f'{where}: the person category lacks keypoints {missing}; PoseTrack18 files name '
                              f'nose, head_bottom, head_top, the ears and COCO\'s body joints')
    return np.array([names.index(n) for n in POSEVAL_JOINTS]), len(names)


def _poses(entries: List[Tuple[str, dict]], table: np.ndarray, num_keypoints: int, gt: bool) -> Poses:
    """``Poses`` of one frame from its (where, annotation) entries; checks every number."""
    if not entries:
        return Poses.empty()
    points = np.zeros((len(entries), NUM_JOINTS, 2))
    present = np.zeros((len(entries), NUM_JOINTS), bool)
    scores = np.full((len(entries), NUM_JOINTS), MIN_SCORE)
    head = np.zeros(len(entries))
    for i, (where, ann) in enumerate(entries):
        kpts = ann.get('keypoints')
        if not _numbers(kpts, 3 * num_keypoints):
            n = len(kpts) if isinstance(kpts, list) else type(kpts).__name__
            raise AnnotationError(f'{where} has {n} keypoint values, expected {3 * num_keypoints} ({num_keypoints} '
                                  f'keypoints x (x, y, v)). Is it a file of another layout (MPII has 16)?')
        kpts = np.asarray(kpts, dtype=np.float64).reshape(num_keypoints, 3)[table]
        if not np.isfinite(kpts).all():
            raise AnnotationError(f'{where} has non-finite keypoint values; fix or remove the entry')
        points[i] = kpts[:, :2]
        present[i] = ~((kpts[:, 0] == 0) & (kpts[:, 1] == 0) & (kpts[:, 2] == 0))
        if gt:
            if present[i].any():
                head[i] = _head_size(ann.get('bbox_head'), where)
        else:
            joint_scores = ann.get('scores')
            if joint_scores:  # poseval uses the "scores" list; without it, mmpose's writer puts them third
                if not _numbers(joint_scores, num_keypoints) or not all(map(math.isfinite, joint_scores)):
                    raise AnnotationError(f'{where}: "scores" must be {num_keypoints} finite numbers')
                scores[i] = np.asarray(joint_scores, dtype=np.float64)[table]
            elif ann.get('_third_is_score', True):
                scores[i] = kpts[:, 2]
    return Poses(points, present, scores, head if gt else None)


def _head_size(box: Any, where: str) -> float:
    if not _numbers(box, 4) or not all(map(math.isfinite, box)):
        raise AnnotationError(f'{where} has annotated keypoints but no usable "bbox_head" (got {box!r}); PCKh '
                              f'needs the head box [x, y, w, h]')
    x, y, w, h = (float(v) for v in box)
    size = HEAD_SIZE_FACTOR * float(np.linalg.norm(np.subtract([x + w, y + h], [x, y])))
    if not size > 0:
        raise AnnotationError(f'{where} has a zero-size head box {box!r}; PCKh divides by its diagonal. Fix the '
                              f'box or remove the keypoints of this person')
    return size


def _regions(img: dict, where: str) -> List[np.ndarray]:
    xs, ys = img.get('ignore_regions_x'), img.get('ignore_regions_y')
    if xs is None and ys is None:
        return []
    if not isinstance(xs, list) or not isinstance(ys, list) or len(xs) != len(ys):
        raise AnnotationError(f'{where}: ignore_regions_x and ignore_regions_y must be lists of the same length')
    regions = []
    for r, (rx, ry) in enumerate(zip(xs, ys)):
        if not _numbers(rx, None) or not _numbers(ry, len(rx)) or not all(map(math.isfinite, rx + ry)):
            raise AnnotationError(f'{where}: ignore region {r} needs as many finite x as y values')
        if 0 < len(rx) < 3:
            raise AnnotationError(f'{where}: ignore region {r} has {len(rx)} points; a polygon needs 3 or more')
        regions.append(np.stack([rx, ry], 1).astype(np.float64) if rx else np.zeros((0, 2)))
    return regions


def video_name(img: dict) -> str:
    """The sequence an image belongs to: the folder of its ``file_name`` (e.g. ``012834_mpii_test``)."""
    return osp.basename(osp.dirname(str(img['file_name']))) or str(img.get('vid_id'))


class PoseTrackGroundTruth:
    """Scored frames of PoseTrack18 ground truth, per sequence, in file order.

    Args:
        path: the per-sequence folder (every ``*.json`` in it) or one merged COCO-style file.

    Attributes:
        sequences: ``{name: [image id, ...]}`` in frame order (every frame, labelled or not).
        images: ``{image id: image entry}``; ``sources``: ``{name: file}``.
        num_keypoints: K of the files (17 for PoseTrack18).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        if osp.isdir(path):
            files = sorted(glob.glob(osp.join(path, '*.json')))
            if not files:
                raise FileNotFoundError(f'no *.json ground truth files in {path}')
        else:
            files = [path]
        self.sequences: Dict[str, List[Any]] = OrderedDict()
        self.sources: Dict[str, str] = {}
        self.images: Dict[Any, dict] = {}
        self._gt: Dict[Any, Poses] = {}
        self._regions: Dict[Any, List[np.ndarray]] = {}
        self.num_keypoints = 0
        for file in files:
            self._read(file)

    def _read(self, file: str) -> None:
        data = load_json_file(file, 'PoseTrack ground truth file')
        if not isinstance(data, dict) or not isinstance(data.get('images'), list) \
                or not isinstance(data.get('annotations'), list):
            raise AnnotationError(f'{file} is not a PoseTrack18 file: expected "images", "annotations" and '
                                  f'"categories"')
        table, num_keypoints = _conversion(data.get('categories'), file)
        if self.num_keypoints and (num_keypoints, table.tolist()) != (self.num_keypoints, self._table.tolist()):
            raise AnnotationError(f'{file}: its keypoint list differs from the other ground truth files\'')
        self._table, self.num_keypoints = table, num_keypoints
        order: Dict[str, List[Any]] = OrderedDict()
        for i, img in enumerate(data['images']):
            if not isinstance(img, dict) or 'id' not in img or 'file_name' not in img:
                raise AnnotationError(f'{file}: images[{i}] lacks "id" or "file_name"')
            if img['id'] in self.images:
                raise AnnotationError(f'{file}: image id {img["id"]} ({img["file_name"]}) is listed twice')
            name = video_name(img)
            if name in self.sequences:
                raise AnnotationError(f'{file}: sequence {name} is also in {self.sources[name]}')
            order.setdefault(name, []).append(img['id'])
            self.images[img['id']] = img
        for name, ids in order.items():
            frame_ids = [self.images[i].get('frame_id', i) for i in ids]
            bad = next((k for k in range(1, len(ids)) if not frame_ids[k] > frame_ids[k - 1]), None)
            if bad is not None:
                raise AnnotationError(f'{file}: sequence {name} has its frames out of order at '
                                      f'{self.images[ids[bad]]["file_name"]} (frame id {frame_ids[bad]} after '
                                      f'{frame_ids[bad - 1]}); sort its images by frame')
            self.sequences[name] = ids
            self.sources[name] = file
        persons: Dict[Any, List[Tuple[str, dict]]] = defaultdict(list)
        for i, ann in enumerate(data['annotations']):
            where = f'{file}: annotations[{i}]'
            if not isinstance(ann, dict) or ann.get('image_id') not in self.images:
                raise AnnotationError(f'{where} refers to no image of the file: {str(ann)[:200]}')
            img = self.images[ann['image_id']]
            persons[ann['image_id']].append((f'{where} (id {ann.get("id")}, {img["file_name"]})', ann))
        for image_id, entries in persons.items():
            self._gt[image_id] = _poses(entries, table, self.num_keypoints, gt=True)
            self._regions[image_id] = _regions(self.images[image_id], f'{file}: image {image_id}')

    def scored_frames(self, name: str) -> List[Any]:
        """Image ids of the frames of a sequence that poseval scores (those with ground-truth persons)."""
        return [i for i in self.sequences[name] if i in self._gt]

    def frames(self, predictions: Dict[Any, Poses]) -> List[Frame]:
        """The scored frames of every sequence (sorted by name) with their predictions (none if absent)."""
        return [Frame(self._gt[i], predictions.get(i, Poses.empty()), self._regions[i])
                for name in sorted(self.sequences) for i in self.scored_frames(name)]

    def predictions_from_results(self, results: Sequence[Any], source: str,
                                 allow_missing_sequences: bool = False) -> Dict[Any, Poses]:
        """Predictions per image from a COCO-style results list; refuses what cannot be scored, naming it.

        The joint score is ``scores[k]`` when the entry has a ``scores`` list, else the third keypoint value (what
        mmpose's ``PoseTrack18Metric`` writes into ``scores``).
        """
        if not isinstance(results, list):
            raise AnnotationError(f'results file {source} must be a JSON list of results, got '
                                  f'{type(results).__name__}')
        by_image: Dict[Any, List[Tuple[str, dict]]] = defaultdict(list)
        for i, entry in enumerate(results):
            where = f'results file {source}: entry [{i}]'
            if not isinstance(entry, dict) or not {'image_id', 'keypoints'} <= set(entry):
                raise AnnotationError(f'{where} needs "image_id" and "keypoints": {str(entry)[:200]}')
            try:
                known = entry['image_id'] in self.images
            except TypeError:
                known = False
            if not known:
                raise AnnotationError(f'{where} has image_id {entry["image_id"]!r}, which is not a frame of '
                                      f'{self.path}. Are these results of another split?')
            by_image[entry['image_id']].append((f'{where} (image_id {entry["image_id"]})', entry))
        if not allow_missing_sequences:
            self.check_sequences_covered(set(by_image), source)
        return {image_id: _poses(entries, self._table, self.num_keypoints, gt=False)
                for image_id, entries in by_image.items()}

    def check_sequences_covered(self, image_ids: set, source: str) -> None:
        """Refuses results (their image ids) without any pose in a sequence that has scored frames."""
        for name, ids in self.sequences.items():
            if self.scored_frames(name) and not any(i in image_ids for i in ids):
                raise AnnotationError(f'results file {source} has no result for sequence {name} ({len(ids)} frames '
                                      f'in {self.sources[name]}); run the estimator on every sequence, or pass '
                                      f'allow_missing_sequences=True to score its persons as missed')

    def predictions_from_folder(self, folder: str) -> Dict[Any, Poses]:
        """Predictions from poseval-format per-sequence files ``<folder>/<sequence>.json``: every sequence
        needs its file with the same frames in the same order (poseval pairs frames by position)."""
        predictions: Dict[Any, Poses] = {}
        for name, ids in self.sequences.items():
            file = osp.join(folder, osp.basename(self.sources[name])
                            if osp.isdir(self.path) else f'{name}.json')
            if not osp.isfile(file):
                raise FileNotFoundError(f'prediction folder {folder} has no file for sequence {name} '
                                        f'(expected {file})')
            data = load_json_file(file, 'prediction file')
            if not isinstance(data, dict) or not isinstance(data.get('images'), list):
                raise AnnotationError(f'{file} is not a PoseTrack18 prediction file ("images", "annotations", '
                                      f'"categories")')
            table, num_keypoints = _conversion(data.get('categories'), file)
            images = data['images']
            if len(images) != len(ids):
                raise AnnotationError(f'{file}: {len(images)} frames, but sequence {name} has {len(ids)} in '
                                      f'{self.sources[name]}; write one entry per frame of the sequence')
            mine = {}
            for k, (img, image_id) in enumerate(zip(images, ids)):
                expected = osp.basename(self.images[image_id]['file_name'])
                if not isinstance(img, dict) or osp.basename(str(img.get('file_name'))) != expected:
                    got = img.get('file_name') if isinstance(img, dict) else img
                    raise AnnotationError(f'{file}: frame {k} is {got}, expected {expected}: frames out of order '
                                          f'(poseval pairs frames by position)')
                mine[img.get('id')] = image_id
            entries: Dict[Any, List[Tuple[str, dict]]] = defaultdict(list)
            for i, ann in enumerate(data.get('annotations') or []):
                where = f'{file}: annotations[{i}]'
                if not isinstance(ann, dict) or ann.get('image_id') not in mine:
                    raise AnnotationError(f'{where} refers to no image of the file: {str(ann)[:200]}')
                entries[mine[ann['image_id']]].append((where, {**ann, '_third_is_score': False}))
            for image_id, found in entries.items():
                predictions[image_id] = _poses(found, table, num_keypoints, gt=False)
        return predictions
