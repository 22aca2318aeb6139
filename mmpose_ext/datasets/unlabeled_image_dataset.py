"""A folder of images without annotations, for distillation with a teacher's heatmaps as the only target."""
from __future__ import annotations

import os
import os.path as osp
from typing import Any, List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
# EXIF orientations that rotate by 90 degrees; OpenCV and mmcv's Pillow backend apply them when decoding
_TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)
_EXIF_ORIENTATION = 0x0112


def _decoded_size(path: str) -> Tuple[int, int]:
    """(width, height) of the image as mmcv decodes it, read from the file header only."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if image.getexif().get(_EXIF_ORIENTATION) in _TRANSPOSING_ORIENTATIONS:
                width, height = height, width
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(f'UnlabeledImageDataset: cannot read image {path}: {err}') from None
    if width < 1 or height < 1:
        raise ValueError(f'UnlabeledImageDataset: image {path} is empty ({width}x{height})')
    return width, height


@DATASETS.register_module()
class UnlabeledImageDataset(BaseCocoStyleDataset):
    """Every image of a folder (recursively) as one top-down sample whose box is the whole image.

    Samples carry the keypoint layout of the labelled data they are mixed with (``metainfo``) but no
    annotation: all keypoints invisible, so mmpose's ``GenerateTarget`` yields empty heatmaps and zero keypoint
    weights with the right number of joints, and the samples collate with labelled ones. After the pipeline
    each data sample is marked ``labeled=False`` in its metainfo; :class:`~mmpose_ext.models.FPDDistiller`
    gives such samples only the teacher term. The pipeline is the user's; the intended one is
    ``LoadImage``, ``GetBBoxCenterScale(padding=1.0)`` (whole image), ``RandomFlip``, ``TopdownAffine``,
    a colour jitter (``RandomChannelScale``), ``GenerateTarget``, ``PackPoseInputs``.

    Every image header is read when the dataset is built: an empty folder or an unreadable image stops it
    there, with the path. Files with other extensions are skipped and counted in the log.

    For the unlabeled-data variant of `Fast Human Pose Estimation` (Zhang, Zhu and Ye, CVPR 2019).

    Args:
        metainfo: the keypoint layout, as for mmpose datasets (e.g.
            ``dict(from_file='configs/_base_/datasets/mpii.py')``); required.
        data_root: root folder; ``data_prefix['img']`` is relative to it.
        data_prefix: ``dict(img=folder)``, the image folder.
        **kwargs: ``pipeline``, ``test_mode``, ... as mmpose's ``BaseCocoStyleDataset`` (top-down only).
    """

    def __init__(self, metainfo: Optional[dict] = None, data_root: Optional[str] = None,
                 data_prefix: dict = dict(img=''), **kwargs: Any) -> None:
        if not metainfo:
            raise ValueError('UnlabeledImageDataset: metainfo is required, the keypoint layout of the labelled '
                             "data, e.g. metainfo=dict(from_file='configs/_base_/datasets/mpii.py')")
        for key in ('ann_file', 'bbox_file'):
            if kwargs.get(key):
                raise ValueError(f'UnlabeledImageDataset: {key} is not used (images have no annotations), '
                                 f'got {kwargs[key]!r}')
        if kwargs.get('data_mode', 'topdown') != 'topdown':
            raise ValueError(f'UnlabeledImageDataset: only data_mode="topdown", got {kwargs["data_mode"]!r}')
        super().__init__(metainfo=metainfo, data_root=data_root, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        folder = self.data_prefix.get('img', '')
        if not folder or not osp.isdir(folder):
            raise FileNotFoundError(f'UnlabeledImageDataset: image folder not found: {folder!r}')
        paths, skipped = [], []
        for root, dirs, files in os.walk(folder, followlinks=True):
            dirs.sort()
            for name in sorted(files):
                (paths if name.lower().endswith(IMAGE_EXTENSIONS) else skipped).append(osp.join(root, name))
        if not paths:
            raise ValueError(f'UnlabeledImageDataset: no images ({", ".join(IMAGE_EXTENSIONS)}) in {folder}'
                             + (f' ({len(skipped)} other files, e.g. {skipped[0]})' if skipped else ''))
        if skipped:
            print_log(f'UnlabeledImageDataset: {folder}: skipped {len(skipped)} files that are not images '
                      f'(e.g. {skipped[0]})', logger='current', level=30)
        num_keypoints = self.metainfo['num_keypoints']
        data_list = []
        for index, path in enumerate(paths):
            width, height = _decoded_size(path)
            data_list.append(dict(
                id=index, img_id=index, img_path=path, category_id=1, iscrowd=0, num_keypoints=0,
                bbox=np.array([[0, 0, width, height]], dtype=np.float32),
                bbox_score=np.ones(1, dtype=np.float32),
                keypoints=np.zeros((1, num_keypoints, 2), dtype=np.float32),
                keypoints_visible=np.zeros((1, num_keypoints), dtype=np.float32),
                header_shape=(height, width)))
        return data_list

    def prepare_data(self, idx: int) -> Any:
        results = super().prepare_data(idx)
        if results is None:
            return None
        sample = results.get('data_samples') if isinstance(results, dict) else None
        info = self.get_data_info(idx)
        path, expected = info['img_path'], info['header_shape']
        if sample is None:
            raise ValueError(f'UnlabeledImageDataset: the pipeline must end with PackPoseInputs (no data_samples '
                             f'for {path})')
        shape = tuple(sample.metainfo.get('ori_shape', ()))
        if shape and shape != tuple(expected):
            raise ValueError(f'UnlabeledImageDataset: {path} decoded as {shape}, its header says {tuple(expected)} '
                             '(height, width); the whole-image box would be wrong')
        sample.set_metainfo(dict(labeled=False))
        return results
