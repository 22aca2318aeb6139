"""Work-arounds for mmpose 1.3.2 / mmengine 0.10.7, applied once when ``mmpose_ext`` is imported.

Each replaces one function or method and keeps the original's behaviour everywhere it was not wrong:

- **numpy 2 drawing**: ``PoseLocalVisualizer`` passes ``radius=np.array([r])`` to the OpenCV backend's
  ``draw_circles``, which calls ``int()`` on it; numpy 2 refuses to turn a 1-element array into a scalar
  (``TypeError: only 0-dimensional arrays can be converted to Python scalars``). Every MMPose drawing path
  (``add_datasample``, ``mmpose.apis.visualize``, ``PoseVisualizationHook``, the inferencer) crashes on it.
- **Checkpoints that do not fit**: ``init_model`` and the inferencers load weights with ``strict=False`` and only log
  a warning, so a checkpoint of another model predicts like an untrained one. Both now refuse it
  (:mod:`mmpose_ext.utils.checkpoint_match`); ``MMPOSE_EXT_PARTIAL_LOAD=1`` allows an intended partial load.
- **Metainfo of wrapped datasets**: ``dataset_meta_from_config`` (``init_model``, the inferencers) reads the
  keypoint layout of ``train_dataloader.dataset`` and gives up on a wrapper (MIPNet's ``MultiInstanceDataset``):
  ``init_model`` then falls back to COCO with a warning and the inferencer fails. The wrapped dataset is read.
- **MMPoseInferencer on pure-Python configs**: it reads ``cfg.data_mode`` and ``cfg.dataset_type``, which only
  mmpose's own text configs define; both are taken from the config's test dataset when absent. It also drops the
  ``bboxes`` a caller passes for top-down models (``bboxes = []`` in ``Pose2DInferencer.preprocess_single``): given
  boxes are used.
- **Metainfo paths**: mmpose's dataset classes name their keypoint layout ``configs/_base_/datasets/<name>.py``
  relative to the working directory and warn on every build that they use mmpose's installed copy instead; they
  are pointed at that installed copy directly.
- **``num_workers=0``**: every config keeps workers alive between epochs (``persistent_workers=True``), which torch
  refuses without workers. The dataloader is built without it (and without ``prefetch_factor``) in that case.
- **``pin_memory`` on a CPU-only machine**: the top-down configs pin batches for the accelerator's copies; without
  an accelerator torch has nothing to pin and warns at every epoch's iterator, so the option is dropped there.
"""
from __future__ import annotations

import functools
import os.path as osp
from typing import Any, Callable, Optional

import numpy as np

_PATCHED = '_mmpose_ext_patched'


def _once(target: Any, name: str, make: Callable[[Callable], Callable]) -> bool:
    original = getattr(target, name)
    if getattr(original, _PATCHED, False):
        return False
    patched = make(original)
    setattr(patched, _PATCHED, True)
    setattr(target, name, patched)
    return True


def _scalar(value: Any) -> Any:
    """A 1-element array or tensor as its Python number; anything else unchanged."""
    if hasattr(value, 'shape') and len(value.shape) and int(np.prod(value.shape)) == 1:
        return value.reshape(-1)[0].item()
    return value


def _draw_circles(original: Callable) -> Callable:
    @functools.wraps(original)
    def draw_circles(self, center, radius, *args, **kwargs):
        if getattr(self, 'backend', None) == 'opencv':
            radius = _scalar(radius)
            center = np.asarray(center).reshape(-1)[:2] if np.size(center) == 2 else center
        return original(self, center, radius, *args, **kwargs)
    return draw_circles


def _checked_load_checkpoint(original: Callable) -> Callable:
    """``mmpose.apis.inference.load_checkpoint`` (used by ``init_model``), refusing a checkpoint that does not fit."""
    @functools.wraps(original)
    def load_checkpoint(model, filename, map_location=None, strict=False, logger=None, **kwargs):
        from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

        from .checkpoint_match import check_checkpoint_fits
        checkpoint = _load_checkpoint(filename, map_location, logger)
        cfg = getattr(model, 'cfg', None)
        check_checkpoint_fits(model, checkpoint, filename, getattr(cfg, 'filename', None))
        return _load_checkpoint_to_model(model, checkpoint, strict, logger, **kwargs)
    return load_checkpoint


def _checked_load_weights(original: Callable) -> Callable:
    """``BaseMMPoseInferencer._load_weights_to_model``, refusing weights that do not fit the config's model."""
    @functools.wraps(original)
    def load_weights(self, model, checkpoint, cfg):
        if checkpoint is not None:
            from .checkpoint_match import check_checkpoint_fits
            check_checkpoint_fits(model, checkpoint, 'the inferencer\'s weights', getattr(cfg, 'filename', None))
        return original(self, model, checkpoint, cfg)
    return load_weights


def _test_dataset(cfg: Any) -> Optional[dict]:
    dataset = (cfg.get('test_dataloader') or cfg.get('val_dataloader') or {}).get('dataset')
    while isinstance(dataset, dict) and isinstance(dataset.get('dataset'), dict):  # MultiInstanceDataset & co.
        dataset = dataset['dataset']
    return dataset if isinstance(dataset, dict) else None


def _unwrapped_meta(original: Callable) -> Callable:
    @functools.wraps(original)
    def dataset_meta_from_config(config, dataset_mode: str = 'train'):
        meta = original(config, dataset_mode)
        loader = config.get(f'{dataset_mode}_dataloader') if meta is None else None
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        while isinstance(dataset, dict) and isinstance(dataset.get('dataset'), dict):
            dataset = dataset['dataset']
        if dataset is not None and dataset is not (loader or {}).get('dataset'):
            from mmengine.config import ConfigDict
            meta = original(ConfigDict(train_dataloader=dict(dataset=dataset)), 'train')
        return meta
    return dataset_meta_from_config


def fill_inferencer_keys(cfg: Any) -> None:
    """Sets ``cfg.data_mode`` and ``cfg.dataset_type`` from the test dataset when the config lacks them."""
    dataset = _test_dataset(cfg)
    if dataset is None:
        return
    if 'data_mode' not in cfg:
        cfg['data_mode'] = dataset.get('data_mode', 'topdown')
    if 'dataset_type' not in cfg and dataset.get('type') is not None:
        kind = dataset['type']
        cfg['dataset_type'] = kind if isinstance(kind, str) else kind.__name__


def _inferencer_pipeline(original: Callable) -> Callable:
    @functools.wraps(original)
    def init_pipeline(self, cfg):
        fill_inferencer_keys(cfg)
        return original(self, cfg)
    return init_pipeline


def _given_boxes(original: Callable) -> Callable:
    """``Pose2DInferencer.preprocess_single`` that uses the caller's boxes for top-down models."""
    @functools.wraps(original)
    def preprocess_single(self, input, index, bbox_thr=0.3, nms_thr=0.3, bboxes=()):
        if self.cfg.data_mode != 'topdown' or bboxes is None or len(bboxes) == 0:
            return original(self, input, index, bbox_thr=bbox_thr, nms_thr=nms_thr, bboxes=bboxes)
        boxes = np.asarray(bboxes, dtype=np.float32)
        if boxes.ndim != 2 or boxes.shape[1] not in (4, 5) or not np.isfinite(boxes).all():
            raise ValueError(f'bboxes of input {index}: expected finite [[x1, y1, x2, y2(, score)], ...], '
                             f'got shape {boxes.shape}')
        info = dict(img_path=input) if isinstance(input, str) else dict(img=input,
                                                                         img_path=f'{index}.jpg'.rjust(10, '0'))
        info.update(self.model.dataset_meta)
        scores = boxes[:, 4] if boxes.shape[1] == 5 else np.ones(len(boxes), dtype=np.float32)
        return [self.pipeline(dict(info, bbox=box[None, :4], bbox_score=scores[i:i + 1]))
                for i, box in enumerate(boxes)]
    return preprocess_single


def _accelerator_available() -> bool:
    import torch
    return hasattr(torch, 'accelerator') and torch.accelerator.is_available()


def _build_dataloader(original: Callable) -> Callable:
    @functools.wraps(original)
    def build_dataloader(dataloader, *args, **kwargs):
        if isinstance(dataloader, dict) and not dataloader.get('num_workers', 0):
            dataloader = type(dataloader)(dataloader)  # the caller's config stays as written
            dataloader.pop('persistent_workers', None)
            dataloader.pop('prefetch_factor', None)
        if isinstance(dataloader, dict) and dataloader.get('pin_memory') and not _accelerator_available():
            dataloader = type(dataloader)(dataloader)
            dataloader.pop('pin_memory')  # torch warns every epoch that it has nothing to pin for
        return original(dataloader, *args, **kwargs)
    return staticmethod(build_dataloader)


def _absolute_metainfo_files() -> None:
    from mmpose.registry import DATASETS

    from mmpose_ext.datasets.common.metainfo import mmpose_metainfo
    for cls in DATASETS.module_dict.values():
        meta = getattr(cls, 'METAINFO', None)
        path = meta.get('from_file') if isinstance(meta, dict) else None
        if isinstance(path, str) and not osp.isabs(path) and path.startswith('configs/_base_/datasets/'):
            try:
                cls.METAINFO = dict(meta, **mmpose_metainfo(osp.basename(path)))
            except FileNotFoundError:  # not shipped with this mmpose: mmpose's own error stays
                pass


def enable_mmpose_compat() -> None:
    """Applies the work-arounds above. Idempotent; called when ``mmpose_ext`` is imported."""
    from mmengine.runner import Runner
    from mmpose.apis import inference
    from mmpose.apis.inferencers import Pose2DInferencer
    from mmpose.apis.inferencers import base_mmpose_inferencer
    from mmpose.apis.inferencers.base_mmpose_inferencer import BaseMMPoseInferencer
    from mmpose.visualization.opencv_backend_visualizer import OpencvBackendVisualizer

    _once(OpencvBackendVisualizer, 'draw_circles', _draw_circles)
    _once(inference, 'load_checkpoint', _checked_load_checkpoint)
    _once(inference, 'dataset_meta_from_config', _unwrapped_meta)
    base_mmpose_inferencer.dataset_meta_from_config = inference.dataset_meta_from_config
    _once(BaseMMPoseInferencer, '_load_weights_to_model', _checked_load_weights)
    _once(BaseMMPoseInferencer, '_init_pipeline', _inferencer_pipeline)
    _once(Pose2DInferencer, 'preprocess_single', _given_boxes)
    _absolute_metainfo_files()
    if not getattr(Runner.__dict__['build_dataloader'].__func__, _PATCHED, False):
        patched = _build_dataloader(Runner.__dict__['build_dataloader'].__func__)
        setattr(patched.__func__, _PATCHED, True)
        Runner.build_dataloader = patched
