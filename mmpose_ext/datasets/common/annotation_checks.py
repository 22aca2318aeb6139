"""Checks that stop a dataset or metric at build time, with a message naming the file and the offending entry.

mmpose's loaders assume well-formed files: a truncated JSON file, a keypoint array of the wrong length or a
detection file of another split surface as a bare ``KeyError`` or ``reshape`` error, sometimes only when the
first bad sample is drawn, and an annotation id 0 or a negative id is silently scored differently by pycocotools
and crowdposetools than by xtcocotools. The functions here run once, before mmpose's loader, and say what is
wrong and where.
"""
from __future__ import annotations

import json
import os.path as osp
from numbers import Real
from typing import Any, Collection, Iterable, Optional, Sequence

from mmengine.fileio import get_local_path

_MAX_LISTED = 5


class AnnotationError(ValueError):
    """A data file that cannot be used as it is; the message names the file and the entry."""


def load_json_file(path: str, what: str = 'annotation file') -> Any:
    """Loads a JSON file, raising ``FileNotFoundError`` / :class:`AnnotationError` that name the file.

    Args:
        path: local path or any URI that ``mmengine.fileio`` understands.
        what: how the file is called in messages (``'annotation file'``, ``'detection file'``, ...).
    """
    if '://' not in path and not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    with get_local_path(path) as local:
        with open(local, 'rb') as f:
            raw = f.read()
    try:
        return json.loads(raw)
    except UnicodeDecodeError as e:
        raise AnnotationError(f'{what} {path} is not JSON: not UTF-8 text ({e.reason} at byte {e.start})') from None
    except json.JSONDecodeError as e:
        raise AnnotationError(f'{what} {path} is not JSON: {e.msg} at line {e.lineno}, column {e.colno}') from None


def _is_number_list(value: Any, length: Optional[int] = None) -> bool:
    return (isinstance(value, (list, tuple)) and (length is None or len(value) == length)
            and all(isinstance(v, Real) and not isinstance(v, bool) for v in value))


def check_coco_keypoint_file(data: Any, path: str, num_keypoints: Optional[int], dataset_name: str = 'this dataset',
                             require_crowd_index: bool = False, require_num_keypoints: bool = False) -> None:
    """Checks a COCO-style keypoint annotation file (COCO, CrowdPose, OCHuman layout).

    Checked: the top-level layout; unique image ids; every annotation has a unique integer ``id`` >= 1, an
    ``image_id`` listed in ``images``, a 4-number ``bbox`` and ``3 * num_keypoints`` keypoint values;
    optionally ``crowdIndex`` on every image (CrowdPose AP easy/medium/hard) and ``num_keypoints`` on every
    annotation (CrowdPose's count, which must be taken from the file, never recomputed).

    Args:
        data: the parsed JSON.
        path: the file name, for messages.
        num_keypoints: the dataset's joint count K (``None``: not checked).
        dataset_name: the dataset's name, for messages.
        require_crowd_index: every image must carry ``crowdIndex``.
        require_num_keypoints: every annotation must carry ``num_keypoints``.
    """
    if not isinstance(data, dict) or not isinstance(data.get('images'), list) \
            or not isinstance(data.get('annotations'), list):
        raise AnnotationError(f'{path} is not a COCO-style annotation file: expected a JSON object with '
                              f'"images" and "annotations" lists')
    image_ids = set()
    for i, img in enumerate(data['images']):
        if not isinstance(img, dict) or 'id' not in img or 'file_name' not in img:
            raise AnnotationError(f'{path}: images[{i}] lacks "id" or "file_name": {str(img)[:200]}')
        if img['id'] in image_ids:
            raise AnnotationError(f'{path}: image id {img["id"]} (images[{i}]) is listed twice')
        if require_crowd_index and not isinstance(img.get('crowdIndex'), Real):
            raise AnnotationError(f'{path}: image id {img["id"]} ({img["file_name"]}) has no "crowdIndex"; '
                                  f'{dataset_name} AP(easy/medium/hard) needs it (is this a CrowdPose file?)')
        image_ids.add(img['id'])
    ann_ids = set()
    expected = 3 * num_keypoints if num_keypoints else None
    for i, ann in enumerate(data['annotations']):
        where = f'{path}: annotations[{i}]'
        if not isinstance(ann, dict) or 'id' not in ann:
            raise AnnotationError(f'{where} has no "id": {str(ann)[:200]}')
        where = f'{where} (id {ann["id"]}, image_id {ann.get("image_id")})'
        if not isinstance(ann['id'], int) or isinstance(ann['id'], bool) or ann['id'] <= 0:
            raise AnnotationError(
                f'{where} has annotation id {ann["id"]!r}; ids must be integers >= 1. pycocotools and '
                f'crowdposetools treat a ground truth matched to id 0 as unmatched and one with a negative id as '
                f'matched; xtcocotools (used by mmpose) does the opposite for both, so AP would depend on the '
                f'evaluator. '
                f'Renumber the ids from 1 with tools/dataset_converters/renumber_annotation_ids.py')
        if ann['id'] in ann_ids:
            raise AnnotationError(f'{where}: annotation id {ann["id"]} is used twice')
        ann_ids.add(ann['id'])
        if ann.get('image_id') not in image_ids:
            raise AnnotationError(f'{where} refers to an image id that is not in "images"')
        if 'keypoints' in ann and not (_is_number_list(ann['keypoints'], expected)
                                       and len(ann['keypoints']) % 3 == 0):
            n = len(ann['keypoints']) if isinstance(ann['keypoints'], (list, tuple)) else type(ann['keypoints'])
            want = (f'{expected} ({num_keypoints} keypoints x (x, y, v))' if expected
                    else 'a multiple of 3 numbers (x, y, v)')
            raise AnnotationError(f'{where} has {n} keypoint values; {dataset_name} expects {want}. '
                                  f'Is this a file of another dataset?')
        if 'bbox' in ann and not _is_number_list(ann['bbox'], 4):
            raise AnnotationError(f'{where} has a malformed bbox {ann["bbox"]!r} (expected [x, y, w, h])')
        if require_num_keypoints and not isinstance(ann.get('num_keypoints'), Real):
            raise AnnotationError(f'{where} has no "num_keypoints"; {dataset_name} evaluation ignores persons '
                                  f'by the file\'s count, so it cannot be recomputed')


def check_image_files(paths: Iterable[str], ann_file: str, labels: Optional[Sequence[str]] = None) -> None:
    """Raises ``FileNotFoundError`` listing the missing images (checked once at build, local paths only).

    Args:
        paths: image paths as the dataset will open them.
        ann_file: the annotation file that lists them, for the message.
        labels: what to call each image in the message (e.g. ``'image id 5'``); same length as ``paths``.
    """
    paths = list(paths)
    labels = list(labels) if labels is not None else [''] * len(paths)
    missing = [(p, lab) for p, lab in zip(paths, labels) if '://' not in p and not osp.isfile(p)]
    if missing:
        listed = '\n'.join(f'  {p}' + (f'  ({lab})' if lab else '') for p, lab in missing[:_MAX_LISTED])
        more = f'\n  ... and {len(missing) - _MAX_LISTED} more' if len(missing) > _MAX_LISTED else ''
        raise FileNotFoundError(f'{len(missing)} of {len(paths)} images listed in {ann_file} are missing:\n'
                                f'{listed}{more}\nCheck data_root / data_prefix (see docs/data_preparation.md).')


def check_detection_file(dets: Any, path: str, image_ids: Collection, ann_file: str) -> None:
    """Checks a person-detection results file (list of ``image_id``/``category_id``/``bbox``/``score``).

    Every detection must refer to an image of ``ann_file``: a detection file of another dataset or split is
    refused here instead of failing inside xtcocotools with a bare ``KeyError``.

    Args:
        dets: the parsed JSON.
        path: the detection file, for messages.
        image_ids: the image ids of the annotation file.
        ann_file: the annotation file, for messages.
    """
    if not isinstance(dets, list):
        raise AnnotationError(f'detection file {path} must be a JSON list of detections, got {type(dets).__name__}')
    for i, det in enumerate(dets):
        if not isinstance(det, dict) or not {'image_id', 'bbox', 'score', 'category_id'} <= set(det):
            raise AnnotationError(f'detection file {path}: entry [{i}] needs image_id, category_id, bbox and '
                                  f'score: {str(det)[:200]}')
        if det['image_id'] not in image_ids:
            raise AnnotationError(f'detection file {path}: entry [{i}] has image_id {det["image_id"]}, which is not '
                                  f'an image of {ann_file}. Is it the detection file of another dataset or split?')
        if not _is_number_list(det['bbox'], 4):
            raise AnnotationError(f'detection file {path}: entry [{i}] has a malformed bbox {det["bbox"]!r}')
