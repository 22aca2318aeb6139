"""Test-time input of PoseFix: the poses of any estimator's COCO-format keypoint results, one crop per pose."""
from __future__ import annotations

import logging
import math
import os.path as osp
from collections import Counter
from numbers import Real
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log
from mmpose.datasets import BaseCocoStyleDataset
from mmpose.registry import DATASETS

from .common import AnnotationError, check_image_files, load_json_file, mmpose_metainfo

#: metainfo key under which the dataset hands its input summary and passed-through entries to the metric
POSEFIX_INPUT_KEY = 'posefix_input'
_REQUIRED_FIELDS = ('image_id', 'category_id', 'keypoints', 'score')
_MAX_LOGGED_PER_REASON = 5


def keypoint_extent_box(keypoints: np.ndarray, extent_scale: float = 1.2, min_box_size: float = 20.) -> np.ndarray:
    """PoseFix's box of an input pose ((K, 2) pixels): the keypoint extent times ``extent_scale`` about its
    centre, each side at least ``min_box_size``; (1, 4) float32 xyxy."""
    lo, hi = keypoints.min(axis=0), keypoints.max(axis=0)
    center = (lo + hi) / 2
    size = np.maximum((hi - lo) * extent_scale, min_box_size)
    return np.concatenate([center - size / 2, center + size / 2]).reshape(1, 4).astype(np.float32)


@DATASETS.register_module()
class PoseFixResultsDataset(BaseCocoStyleDataset):
    """Poses to refine with PoseFix (Moon, Chang, Lee, "PoseFix: Model-agnostic General Human Pose Refinement
    Network", CVPR 2019), read from any estimator's COCO-format keypoint results.

    Every entry of the person category with ``score > 0`` becomes one top-down sample. Its crop comes from the
    pose itself, not from a detection box, as in the reference; the factors are applied in three places:

    1. here: the keypoint extent (all K joints) enlarged ``extent_scale`` = 1.2 times around its centre, each
       side at least ``min_box_size`` = 20 px; this is the sample's ``bbox``;
    2. ``GetBBoxCenterScale`` (padding 1.25, mmpose's default) in the pipeline;
    3. ``TopdownAffine`` fixes the aspect ratio to the model input. (The reference fixes the aspect before the
       x1.25; both scale the box uniformly, so the order does not matter.)

    The input pose is instance 0 of ``keypoints`` (image pixels) with every joint valid, ``bbox_score`` is the
    entry's score (PoseFix never re-scores), ``id`` is the entry's index in the results list and
    ``category_id`` its category. ``SetInputPose`` turns the pose into the model's input after the affine.

    Entries that cannot be refined are never dropped: malformed entries (not an object, a missing field, a
    keypoint list of the wrong length, a non-numeric or non-finite value, an image id that is not in
    ``ann_file``) are reported with their index and image id; together with entries of another category and
    entries with ``score <= 0`` they are handed to :class:`~mmpose_ext.evaluation.metrics.PoseFixCocoMetric`
    through ``metainfo['posefix_input']``, which writes them unchanged into the output and counts them by reason.
    A file that is not JSON or not a list, and a file without a single entry that can be refined, are errors.

    Args:
        ann_file: COCO-format file with the ``images`` (id, file_name) the results refer to: the ground truth,
            or an image-info file (e.g. COCO test-dev) without annotations. Joined with ``data_root``.
        results_file: COCO-format keypoint results (a JSON list of ``image_id``, ``category_id``,
            ``keypoints`` (x, y, score) x K and ``score``). Used as given (not joined with ``data_root``, like
            mmpose's ``bbox_file``).
        results: the same list in memory instead of a file (for a cascade that refines another model's
            output without writing it). Give exactly one of ``results_file`` and ``results``.
        person_category_id: category of the poses to refine; ``None`` takes the id of the category named
            ``'person'`` in ``ann_file``, or 1 when it has no categories.
        extent_scale: factor on the keypoint extent (1.2 in the reference).
        min_box_size: smallest box side in pixels after ``extent_scale`` (20 in the reference).
        metainfo: keypoint layout (K, flip pairs, OKS sigmas), e.g. ``dict(from_file=...)``; COCO by default.
        check_files: check at build time that the image of every pose to refine exists (default ``True``).
        strict: refuse the file at the first malformed entry (wrong number of keypoints, non-finite or
            non-numeric values, unknown image id, missing fields) with a one-line error naming the file and the
            entry, instead of passing such entries through (other categories and ``score <= 0`` still pass).
        **kwargs: as :class:`mmpose.datasets.BaseCocoStyleDataset` (``data_root``, ``data_prefix``,
            ``pipeline``, ``test_mode``, ...). ``bbox_file`` and ``data_mode='bottomup'`` are not supported.
    """

    METAINFO: dict = mmpose_metainfo('coco.py')
    #: (K,) joints whose extent makes the crop; ``None``: all (a subclass leaves out joints its layout ignores)
    extent_joints: Optional[np.ndarray] = None

    def __init__(self, ann_file: str = '', results_file: Optional[str] = None, results: Optional[list] = None,
                 person_category_id: Optional[int] = None, extent_scale: float = 1.2, min_box_size: float = 20.,
                 test_mode: bool = True, check_files: bool = True, strict: bool = False, **kwargs: Any) -> None:
        self.check_files = check_files
        self.strict = strict
        if (results_file is None) == (results is None):
            raise ValueError('PoseFixResultsDataset needs exactly one of results_file (a COCO keypoint results '
                             f'file) and results (the same list in memory); got results_file={results_file!r} '
                             f'and results={"a list" if results is not None else None}')
        for key, unsupported in (('bbox_file', None), ('data_mode', 'bottomup')):
            if key in kwargs and kwargs[key] != (None if key == 'bbox_file' else 'topdown'):
                raise ValueError(f'PoseFixResultsDataset: {key}={kwargs[key]!r} is not supported: the crops come '
                                 f'from the poses of the results (one top-down sample per pose)')
        self.results_file = results_file
        self._results = results
        self.person_category_id = person_category_id
        self.extent_scale = extent_scale
        self.min_box_size = min_box_size
        super().__init__(ann_file=ann_file, test_mode=test_mode, **kwargs)

    @property
    def results_source(self) -> str:
        """How the results are called in messages: the file name, or ``'<in-memory results>'``."""
        return self.results_file if self.results_file is not None else '<in-memory results>'

    def load_data_list(self) -> List[dict]:
        images, person_id = self._load_image_index()
        if self._results is None:
            entries = load_json_file(self.results_file, 'keypoint results file')
        else:
            entries = self._results
        if not isinstance(entries, list):
            raise AnnotationError(f'keypoint results file {self.results_source} must be a JSON list of results '
                                  f'(image_id, category_id, keypoints, score), got {type(entries).__name__}')
        num_keypoints = self._metainfo['num_keypoints']
        data_list, passed_through = [], []
        for index, entry in enumerate(entries):
            reason, problem = self._check_entry(entry, num_keypoints, images, person_id)
            if reason is None:
                data_list.append(self._entry_to_data_info(index, entry, images[entry['image_id']]))
            else:
                evaluable = reason in ('other category', 'score <= 0')
                if self.strict and not evaluable:
                    image_id = entry.get('image_id') if isinstance(entry, dict) else None
                    raise AnnotationError(f'keypoint results file {self.results_source}: entry [{index}] (image_id '
                                          f'{image_id}) {problem}. Expected {self._metainfo["dataset_name"]} '
                                          f'results of the images of {self.ann_file}; fix or remove the entry')
                passed_through.append(dict(index=index, reason=reason, problem=problem, evaluable=evaluable,
                                           entry=entry))
        self._report(passed_through, len(entries))
        if not data_list:
            counts = Counter(p['reason'] for p in passed_through)
            hint = '' if set(counts) <= {'other category', 'score <= 0'} else (
                f' Is it a results file of {self.ann_file} with {num_keypoints} keypoints '
                f'({self._metainfo["dataset_name"]} layout)?')
            raise AnnotationError(f'keypoint results file {self.results_source}: none of its {len(entries)} entries '
                                  f'can be refined ({dict(counts)}).{hint}')
        if self.check_files:
            paths = sorted({info['img_path'] for info in data_list})
            check_image_files(paths, self.ann_file)
        self._metainfo[POSEFIX_INPUT_KEY] = dict(source=self.results_source, num_entries=len(entries),
                                                 num_refined=len(data_list), passed_through=passed_through)
        self._results = None  # the entries now live in data_list and metainfo; do not keep a second copy
        return data_list

    def _load_image_index(self) -> Tuple[Dict[Any, dict], int]:
        """``{image id: image info}`` of ``ann_file`` and the person category id."""
        data = load_json_file(self.ann_file)
        if not isinstance(data, dict) or not isinstance(data.get('images'), list):
            raise AnnotationError(f'{self.ann_file} is not a COCO-style file: expected a JSON object with an '
                                  f'"images" list (the images the keypoint results refer to)')
        images = {}
        for i, img in enumerate(data['images']):
            if not isinstance(img, dict) or 'id' not in img or 'file_name' not in img:
                raise AnnotationError(f'{self.ann_file}: images[{i}] lacks "id" or "file_name": {str(img)[:200]}')
            images[img['id']] = img
        categories = data.get('categories') or []
        if categories:
            self._metainfo['CLASSES'] = categories
        person_id = self.person_category_id
        if person_id is None:
            named = [c.get('id') for c in categories if isinstance(c, dict) and c.get('name') == 'person']
            person_id = named[0] if named else 1
        return images, person_id

    @staticmethod
    def _check_entry(entry: Any, num_keypoints: int, images: Dict[Any, dict],
                     person_id: int) -> Tuple[Optional[str], str]:
        """``(reason, problem)`` why an entry cannot be refined, or ``(None, '')``."""
        if not isinstance(entry, dict):
            return 'malformed', f'is not a JSON object but {type(entry).__name__}'
        missing = [k for k in _REQUIRED_FIELDS if k not in entry]
        if missing:
            return 'missing fields', f'lacks {", ".join(missing)}'
        kpts, score = entry['keypoints'], entry['score']
        if not isinstance(kpts, list) or len(kpts) != 3 * num_keypoints:
            n = len(kpts) if isinstance(kpts, list) else type(kpts).__name__
            return 'wrong number of keypoints', (f'has {n} keypoint values, expected {3 * num_keypoints} '
                                                 f'({num_keypoints} keypoints x (x, y, score))')
        numbers = kpts + [score]
        if not all(isinstance(v, Real) and not isinstance(v, bool) for v in numbers):
            return 'non-numeric values', 'has non-numeric keypoints or score'
        if not all(math.isfinite(v) for v in numbers):
            return 'non-finite values', 'has non-finite (NaN or infinite) keypoints or score'
        try:
            known_image = entry['image_id'] in images
        except TypeError:  # an unhashable image_id (a list, an object)
            known_image = False
        if not known_image:
            return 'unknown image id', 'refers to an image that is not in the annotation file'
        if entry['category_id'] != person_id:
            return 'other category', f'has category_id {entry["category_id"]}, not the person id {person_id}'
        if score <= 0:
            return 'score <= 0', f'has score {score}'
        return None, ''

    def _entry_to_data_info(self, index: int, entry: dict, img: dict) -> dict:
        keypoints = np.asarray(entry['keypoints'], dtype=np.float32).reshape(1, -1, 3)[..., :2]
        extent = keypoints[0][self.extent_joints] if self.extent_joints is not None else keypoints[0]
        bbox = keypoint_extent_box(extent, self.extent_scale, self.min_box_size)
        return {
            'id': index,
            'img_id': entry['image_id'],
            'img_path': osp.join(self.data_prefix['img'], img['file_name']),
            'category_id': entry['category_id'],
            'bbox': bbox,
            'bbox_score': np.array([entry['score']], dtype=np.float64),  # float64: the score is written back exactly
            'keypoints': keypoints,
            'keypoints_visible': np.ones(keypoints.shape[:2], dtype=np.float32),
        }

    def _report(self, passed_through: List[dict], num_entries: int) -> None:
        """Logs each kind of entry that is passed through, naming the first few by index and image id."""
        logged: Counter = Counter()
        for item in passed_through:
            logged[item['reason']] += 1
            if item['reason'] in ('other category', 'score <= 0'):
                continue  # expected in any results file: counted in the summary, not worth a warning each
            if logged[item['reason']] <= _MAX_LOGGED_PER_REASON:
                image_id = item['entry'].get('image_id') if isinstance(item['entry'], dict) else None
                print_log(f'keypoint results file {self.results_source}: entry [{item["index"]}] (image_id '
                          f'{image_id}) {item["problem"]}; passed through unchanged', 'current', logging.WARNING)
        if passed_through:
            counts = ', '.join(f'{n} {reason}' for reason, n in sorted(logged.items()))
            print_log(f'keypoint results file {self.results_source}: {num_entries - len(passed_through)} of '
                      f'{num_entries} entries will be refined; passed through unchanged: {counts}', 'current')
