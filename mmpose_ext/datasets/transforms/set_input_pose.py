"""Test-time PoseFix input: the pose to refine, in the pixels of the model input."""
from __future__ import annotations

import inspect
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.datasets.transforms import PackPoseInputs
from mmpose.registry import TRANSFORMS

# PackPoseInputs' meta keys for PoseFix: mmpose's defaults plus the input pose that SetInputPose and
# SynthesizePoseErrors write (the estimator reads it from each sample's metainfo)
POSEFIX_META_KEYS = tuple(inspect.signature(PackPoseInputs.__init__).parameters['meta_keys'].default) + (
    'input_keypoints', 'input_keypoints_visible')

_INSTANCE_KEYS = ('keypoints', 'keypoints_visible', 'transformed_keypoints', 'keypoints_visible_weights')


@TRANSFORMS.register_module()
class SetInputPose(BaseTransform):
    """Makes instance 0 of the sample the input pose of PoseFix (Moon, Chang, Lee, "PoseFix: Model-agnostic
    General Human Pose Refinement Network", CVPR 2019) at test time.

    Put it after ``TopdownAffine``. It sets ``input_keypoints`` (float32, (1, K, 2)): instance 0 of
    ``transformed_keypoints``, i.e. the pose in the pixels of the model input crop, and
    ``input_keypoints_visible`` (float32, (1, K)): all ones, since the reference refines every joint of every
    input pose whatever its confidence, except joints the sample's ``keypoint_ignored`` (K,) marks (joints
    the layout never labels, e.g. PoseTrack18's ears, which the reference gives no input point either). ``keypoints``, ``keypoints_visible``, ``transformed_keypoints`` and
    ``keypoints_visible_weights`` (if present) are reduced to instance 0, so that the packed ``gt_instances``
    carry the input pose in image pixels. Pack both new keys with
    ``PackPoseInputs(meta_keys=(<mmpose's defaults>, 'input_keypoints', 'input_keypoints_visible'))``.
    The train-time counterpart, which synthesises errors into the input pose, is ``SynthesizePoseErrors``.

    Args:
        (none)
    """

    def transform(self, results: Dict) -> Dict:
        transformed = results.get('transformed_keypoints')
        if not isinstance(transformed, np.ndarray) or transformed.ndim != 3 or transformed.shape[0] < 1:
            got = getattr(transformed, 'shape', transformed)
            raise KeyError(f'SetInputPose needs the keypoints of TopdownAffine ("transformed_keypoints" of shape '
                           f'(N, K, 2)), got {got} for {results.get("img_path")} (id {results.get("id")}). Put it '
                           f'after TopdownAffine.')
        for key in _INSTANCE_KEYS:
            if key in results and isinstance(results[key], np.ndarray) and results[key].ndim >= 2:
                results[key] = results[key][:1]
        results['input_keypoints'] = transformed[:1, :, :2].astype(np.float32)
        visible = np.ones((1, transformed.shape[1]), dtype=np.float32)
        ignored = results.get('keypoint_ignored')
        if ignored is not None:  # joints the layout never labels (PoseTrack18's ears): no input point
            visible[:, np.asarray(ignored, dtype=bool)] = 0
        results['input_keypoints_visible'] = visible
        return results
