"""Bottom-up data transforms for HigherHRNet: the reference's augmentation, multi-level targets, aligned test sizes."""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.datasets.transforms import (BottomupGetHeatmapMask, BottomupRandomAffine, BottomupResize,
                                       PackPoseInputs)
from mmpose.datasets.transforms.formatting import image_to_tensor
from mmpose.registry import KEYPOINT_CODECS, TRANSFORMS
from mmpose.structures.bbox import get_warp_matrix


@TRANSFORMS.register_module()
class HigherHRNetHeatmapMask(BottomupGetHeatmapMask):
    """mmpose's ``BottomupGetHeatmapMask`` (the valid-region mask: zero over crowd regions and persons without
    keypoints, warped to every heatmap level) with the regions decoded by pycocotools instead of xtcocotools.

    xtcocotools 1.14.3 built against numpy 2 fails in ``mask.decode`` (its Cython code reads ``np.NPY_OWNDATA``,
    which numpy 2 removed: ``AttributeError`` on the first crowd region), and the install builds it against numpy 2.
    pycocotools' RLE functions are the same C code and ship numpy 2 builds. Everything else is mmpose's.

    Args:
        **kwargs: as :class:`mmpose.datasets.transforms.BottomupGetHeatmapMask`.
    """

    def _segs_to_mask(self, segs: list, img_shape: Tuple[int, int]) -> np.ndarray:
        from pycocotools import mask as cocomask
        rles = []
        for seg in segs:
            if isinstance(seg, (tuple, list)):  # polygons give a list of RLEs, a crowd's RLE dict gives one
                rle = cocomask.frPyObjects(seg, img_shape[0], img_shape[1])
                rles.extend(rle if isinstance(rle, list) else [rle])
            elif isinstance(seg, dict):
                rle = cocomask.frPyObjects(seg, img_shape[0], img_shape[1]) if isinstance(seg.get('counts'),
                                                                                       list) else seg
                rles.append(rle)
        if not rles:
            return np.zeros(img_shape, dtype=np.uint8)
        return cocomask.decode(cocomask.merge(rles))


@TRANSFORMS.register_module()
class HigherHRNetRandomAffine(BottomupRandomAffine):
    """mmpose's ``BottomupRandomAffine`` with the reference's sampling: uniform scale, rotation and shift, the
    shift relative to the crop instead of the image.

    The reference (HigherHRNet, ``RandomAffineTransform``) crops a square of side ``s * short side`` with ``s``
    uniform in [0.75, 1.5], rotates by a uniform angle in +-30 degrees and moves the centre by up to
    ``MAX_TRANSLATE / 200`` (0.2) of that crop side in x and y. mmpose's class defaults to truncated-normal
    sampling and a shift relative to the image size; this subclass changes only the defaults and, with
    ``shift_reference='crop'``, the shift's unit.

    Args:
        input_size: model input (w, h).
        shift_factor: largest shift as a fraction of the crop side (``'crop'``) or image size (``'image'``).
        shift_reference: ``'crop'`` (reference) or ``'image'`` (mmpose).
        **kwargs: as :class:`mmpose.datasets.transforms.BottomupRandomAffine` (``scale_factor``,
            ``rotate_factor``, ``scale_type``, ``distribution``...).
    """

    def __init__(self, input_size: Tuple[int, int], shift_factor: float = 0.2, shift_reference: str = 'crop',
                 scale_factor: Tuple[float, float] = (0.75, 1.5), rotate_factor: float = 30.,
                 scale_type: str = 'short', distribution: str = 'uniform', **kwargs) -> None:
        if shift_reference not in ('crop', 'image'):
            raise ValueError(f'shift_reference must be "crop" or "image", got {shift_reference!r}')
        super().__init__(input_size=input_size, shift_factor=shift_factor, scale_factor=scale_factor,
                         rotate_factor=rotate_factor, scale_type=scale_type, distribution=distribution, **kwargs)
        self.shift_reference = shift_reference
        self._image_wh = None

    def _get_transform_params(self) -> Tuple:
        offset, scale, rotate, shear = super()._get_transform_params()
        if self.shift_reference == 'crop' and self._image_wh is not None:
            w, h = self.input_size
            crop = self._fix_aspect_ratio(scale * np.asarray(self._image_wh, np.float32), aspect_ratio=w / h)
            offset = offset * crop / np.asarray(self._image_wh, np.float32)  # the parent multiplies by the image
        return offset, scale, rotate, shear

    def transform(self, results: Dict) -> Optional[dict]:
        img_h, img_w = results['img_shape'][:2]
        self._image_wh = (img_w, img_h)
        return super().transform(results)


@TRANSFORMS.register_module()
class GenerateHigherHRNetTargets(BaseTransform):
    """Targets of every output of a HigherHRNet head: heatmaps per level, tag indices at one level.

    Wraps mmpose's ``AssociativeEmbedding`` codec (one per output level; ``GenerateTarget(multilevel=True)``
    would pack the tag indices of every level and nothing packs them at all). Fixed here:

    * ``keypoint_indices`` of ``tag_level`` (1/4 in the reference) are packed with the labels, together with
      that level's ``keypoint_weights``, through the results' ``label_mapping_table``;
    * ``center_mode='floor'`` (default, the reference): a joint is placed at ``int(x), int(y)`` of each level's
      map and skipped at a level where it falls outside the map; the codec alone rounds (``x + 0.5``) and draws
      partial Gaussians of off-map joints. ``'round'`` keeps the codec's rule. With ``'floor'`` the decoder's
      ``decode_center_shift=0.5`` (input pixels, after projection) undoes the bias, as the reference's ADJUST;
    * the codecs' ``sigma`` must be given (mmpose's default ``sqrt(W * H) / 64`` is 2 only at 128x128);
    * only the first ``max_instances`` persons get tag indices (``MAX_NUM_PEOPLE``, 30); all get heatmaps.

    Required keys: ``keypoints``, ``keypoints_visible`` (in input pixels, after the affine and flip).
    Added keys: ``heatmaps`` (list, one ``(K, H_i, W_i)`` per level), ``keypoint_indices`` ``(N, K, 2)``,
    ``keypoint_weights`` ``(N, K)``, ``label_mapping_table``.

    Args:
        encoder: one ``AssociativeEmbedding`` config per output level, lowest resolution first.
        tag_level: the level whose positions index the tag maps.
        center_mode: ``'floor'`` (reference) or ``'round'`` (mmpose).
        max_instances: persons with tag indices; None for all.
    """

    label_mapping_table = dict(keypoint_weights='keypoint_weights', keypoint_indices='keypoint_indices')

    def __init__(self, encoder: Sequence[dict], tag_level: int = 0, center_mode: str = 'floor',
                 max_instances: Optional[int] = 30) -> None:
        super().__init__()
        if center_mode not in ('floor', 'round'):
            raise ValueError(f'center_mode must be "floor" or "round", got {center_mode!r}')
        if not isinstance(encoder, (list, tuple)) or not encoder:
            raise ValueError('GenerateHigherHRNetTargets needs a list of codec configs, one per output level')
        missing = [i for i, cfg in enumerate(encoder) if cfg.get('sigma') is None]
        if missing:
            raise ValueError(f'GenerateHigherHRNetTargets: set sigma in encoder(s) {missing} (reference: 2)')
        if not 0 <= tag_level < len(encoder):
            raise ValueError(f'tag_level {tag_level} out of range for {len(encoder)} levels')
        self.encoders = [KEYPOINT_CODECS.build(cfg) for cfg in encoder]
        self.tag_level = tag_level
        self.center_mode = center_mode
        self.max_instances = max_instances

    def transform(self, results: Dict) -> Optional[dict]:
        keypoints = np.asarray(results['keypoints'], dtype=np.float32)[..., :2]
        visible = np.asarray(results['keypoints_visible'], dtype=np.float32)
        if visible.ndim == 3:
            visible = visible[..., 0]
        heatmaps: List[np.ndarray] = []
        for level, codec in enumerate(self.encoders):
            kpts, vis = keypoints, visible
            if self.center_mode == 'floor':
                factor = np.asarray(codec.scale_factor, dtype=np.float32)
                on_map = keypoints / factor
                w, h = codec.heatmap_size
                inside = (on_map[..., 0] >= 0) & (on_map[..., 1] >= 0) & (on_map[..., 0] < w) & (on_map[..., 1] < h)
                vis = np.where(inside, visible, 0).astype(np.float32)
                # the codec computes int(x / factor + 0.5): a floored position times factor gives int(x / factor)
                kpts = np.floor(np.where(inside[..., None], on_map, 0)) * factor
            encoded = codec.encode(kpts, vis)
            heatmaps.append(encoded['heatmaps'])
            if level == self.tag_level:
                indices = encoded['keypoint_indices']
                weights = encoded['keypoint_weights'].astype(np.float32)
        if self.max_instances is not None:
            indices, weights = indices[:self.max_instances], weights[:self.max_instances]
        results['heatmaps'] = heatmaps
        results['keypoint_indices'] = indices
        results['keypoint_weights'] = weights
        table = dict(results.get('label_mapping_table', {}) or {})
        table.update(self.label_mapping_table)
        results['label_mapping_table'] = table
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(levels={[c.heatmap_size for c in self.encoders]}, '
                f'tag_level={self.tag_level}, center_mode={self.center_mode!r})')


@TRANSFORMS.register_module()
class HigherHRNetResize(BottomupResize):
    """Test-time resize of the reference: short side to the input size, long side to a multiple of
    ``size_factor``, and with ``aug_scales`` an image pyramid whose levels all cover the same image region.

    mmpose's ``BottomupResize`` rounds every scale's size up to ``size_factor`` on its own, so the levels of its
    pyramid cover slightly different regions and the head's resizing misaligns them. Here (as the reference's
    ``get_multi_scale_size``) the smallest scale is aligned to ``size_factor`` and every other scale is an exact
    multiple of it. Without ``aug_scales`` this equals ``BottomupResize(resize_mode='expand')``.

    Args:
        input_size: (w, h); the short side goes to ``min(w, h)`` at scale 1.
        aug_scales: extra scales, e.g. ``[2, 0.5]`` for the reference's multi-scale test ``[2, 1, 0.5]``.
        size_factor: 64 in the reference.
        pad_val: border value.
    """

    def __init__(self, input_size: Tuple[int, int], aug_scales: Optional[List[float]] = None,
                 size_factor: int = 64, pad_val: tuple = (0, 0, 0)) -> None:
        super().__init__(input_size=input_size, aug_scales=aug_scales, size_factor=size_factor,
                         resize_mode='expand', pad_val=pad_val)

    def _sizes(self, img_w: int, img_h: int) -> Tuple[List[Tuple[int, int]], np.ndarray]:
        scales = [1.0] + list(self.aug_scales or [])
        min_scale = min(scales)
        f = self.size_factor
        min_input = int(math.ceil(min_scale * min(self.input_size) / f) * f)
        short, long_ = (img_w, img_h) if img_w < img_h else (img_h, img_w)
        long_min = int(math.ceil(min_input / short * long_ / f) * f)
        sizes = []
        for s in scales:
            a, b = int(min_input * s / min_scale), int(long_min * s / min_scale)
            sizes.append((a, b) if img_w < img_h else (b, a))
        w1, h1 = sizes[0]
        region = np.array([img_w, img_w * h1 / w1] if img_w < img_h else [img_h * w1 / h1, img_h], np.float32)
        return sizes, region

    def transform(self, results: Dict) -> Optional[dict]:
        img = results['img']
        img_h, img_w = results['ori_shape'][:2]
        sizes, region = self._sizes(img_w, img_h)
        center = np.array([img_w / 2, img_h / 2], dtype=np.float32)
        imgs = []
        for size in sizes:
            warp = get_warp_matrix(center=center, scale=region, rot=0, output_size=size)
            imgs.append(cv2.warpAffine(img, warp, size, flags=cv2.INTER_LINEAR, borderValue=self.pad_val))
        results['img_shape'] = sizes[0][::-1]
        results['input_center'] = center
        results['input_scale'] = region
        results['input_size'] = sizes[0]
        if self.aug_scales:
            results['img'] = imgs
            results['aug_scales'] = list(self.aug_scales)
        else:
            results['img'] = imgs[0]
            results['aug_scale'] = None
        return results


@TRANSFORMS.register_module()
class PackBottomupInputs(PackPoseInputs):
    """``PackPoseInputs`` for bottom-up data: keeps an image pyramid as a list of tensors (scale 1 first) and
    leaves ``category_id`` out of the metainfo.

    mmpose's packer stacks the images of a pyramid into one tensor, which fails for images of different sizes
    (every multi-scale test); ``BottomupDataPreprocessor`` batches each scale on its own. In bottom-up mode the
    data info's ``category_id`` is the list of the image's annotations' categories, which mmpose's ``CocoMetric``
    would copy into every predicted pose (a list where COCO wants one id; the official metric refuses it);
    without it every pose gets category 1 (person). Single images are otherwise packed exactly as mmpose does.

    Args:
        meta_keys: as :class:`mmpose.datasets.transforms.PackPoseInputs`, default its keys without
            ``category_id``.
        **kwargs: as :class:`mmpose.datasets.transforms.PackPoseInputs`.
    """

    def __init__(self, meta_keys: Optional[Sequence[str]] = None, **kwargs) -> None:
        if meta_keys is None:
            meta_keys = tuple(k for k in PackPoseInputs().meta_keys if k != 'category_id')
        super().__init__(meta_keys=meta_keys, **kwargs)

    def transform(self, results: Dict) -> Dict:
        imgs = results.get('img')
        if not isinstance(imgs, (list, tuple)):
            return super().transform(results)
        results = dict(results, img=imgs[0])
        packed = super().transform(results)
        packed['inputs'] = [image_to_tensor(img) for img in imgs]
        return packed
