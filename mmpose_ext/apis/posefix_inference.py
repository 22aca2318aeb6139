"""``inference_posefix``: mmpose's ``inference_topdown`` for PoseFix, whose input is a pose, not a box."""
from __future__ import annotations

from typing import List, Optional, Union

import numpy as np
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.structures import PoseDataSample
from torch import nn

from mmpose_ext.datasets.posefix_results_dataset import keypoint_extent_box


def inference_posefix(model: nn.Module, img: Union[np.ndarray, str], keypoints: np.ndarray,
                      extent_scale: Optional[float] = None,
                      min_box_size: Optional[float] = None) -> List[PoseDataSample]:
    """Refines the poses of another estimator on one image with a PoseFix model from ``mmpose.apis.init_model``.

    PoseFix (Moon, Chang and Lee, "PoseFix: Model-agnostic General Human Pose Refinement Network", CVPR 2019)
    crops each input pose's keypoint extent (x1.2, at least 20 px, as the test dataset of the config does) and
    returns one refined pose per input pose, as ``inference_topdown`` returns one per box.

    Args:
        model: a PoseFix model built by ``init_model`` from a ``configs/posefix`` config.
        img: the image (path or BGR array) the poses belong to.
        keypoints: the input poses, (N, K, 2) or (N, K, 3) image pixels (a third column, scores, is ignored:
            PoseFix refines every joint).
        extent_scale: box scale on the keypoint extent; the config test dataset's value by default.
        min_box_size: smallest box side in pixels; the config test dataset's value by default.

    Returns:
        One ``PoseDataSample`` per input pose, its refined pose in ``pred_instances.keypoints``.
    """
    keypoints = np.asarray(keypoints, dtype=np.float32)
    num_keypoints = len(model.dataset_meta['keypoint_id2name'])
    if keypoints.ndim != 3 or keypoints.shape[1] != num_keypoints or keypoints.shape[2] not in (2, 3) \
            or not np.isfinite(keypoints).all():
        raise ValueError(f'inference_posefix: keypoints must be finite (N, {num_keypoints}, 2|3) for this model, '
                         f'got shape {keypoints.shape}')
    init_default_scope(model.cfg.get('default_scope', 'mmpose'))
    dataset_cfg = model.cfg.test_dataloader.dataset
    extent_scale = dataset_cfg.get('extent_scale', 1.2) if extent_scale is None else extent_scale
    min_box_size = dataset_cfg.get('min_box_size', 20.) if min_box_size is None else min_box_size
    pipeline = Compose(dataset_cfg.pipeline)
    image = dict(img_path=img) if isinstance(img, str) else dict(img=img)
    samples = []
    for pose in keypoints[..., :2]:
        info = dict(image, bbox=keypoint_extent_box(pose, extent_scale, min_box_size),
                    bbox_score=np.ones(1, dtype=np.float32), keypoints=pose[None],
                    keypoints_visible=np.ones((1, num_keypoints), dtype=np.float32))
        info.update(model.dataset_meta)
        samples.append(pipeline(info))
    if not samples:
        return []
    return model.test_step(pseudo_collate(samples))
