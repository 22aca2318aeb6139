"""PoseFix on PoseTrack18: training samples and the results to refine, in the reference's PoseTrack layout."""
from __future__ import annotations

from typing import Any, List

import numpy as np
from mmpose.registry import DATASETS

from .posefix_coco_dataset import PoseFixCocoDataset
from .posefix_results_dataset import PoseFixResultsDataset
from .posetrack18_dataset import check_posetrack18_file
from .posetrack18_metainfo import IGNORED_JOINTS, POSETRACK18_KEYPOINT_NAMES, POSETRACK18_METAINFO

#: (17,) True for the joints PoseTrack18 never labels (the ears)
POSETRACK18_IGNORED = np.array([name in IGNORED_JOINTS for name in POSETRACK18_KEYPOINT_NAMES])


@DATASETS.register_module()
class PoseFixPoseTrack18Dataset(PoseFixCocoDataset):
    """PoseFix (Moon, Chang and Lee, CVPR 2019) training samples on PoseTrack18 (``posetrack18_train.json``
    and an estimator's train-set results, e.g. the reference's ``input_pose/test_on_trainset/result.json``).

    As :class:`PoseFixCocoDataset`, with PoseTrack18's layout (:data:`POSETRACK18_METAINFO`: the reference's
    sigmas and symmetric pairs) and ``keypoint_ignored`` in every sample, so that ``SynthesizePoseErrors`` never
    gives the ears an input point, even where the estimate has them.

    Args:
        **kwargs: as :class:`PoseFixCocoDataset`.
    """

    METAINFO: dict = POSETRACK18_METAINFO

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['keypoint_ignored'] = POSETRACK18_IGNORED
        return info


@DATASETS.register_module()
class PoseFixPoseTrack18ResultsDataset(PoseFixResultsDataset):
    """PoseTrack18 poses to refine with PoseFix: any estimator's COCO-style results on the frames of
    ``posetrack18_val.json`` (the reference's ``input_pose/result.json``: ``image_id``, ``keypoints`` 17 x 3,
    ``scores`` 17, ``score``).

    As :class:`PoseFixResultsDataset`, but strict, and laid out as the reference does for PoseTrack: the crop
    comes from the extent of the joints without the ears, the ears get no input point (``keypoint_ignored``),
    and each sample keeps the input's per-joint scores (``raw_ann_info['input_keypoint_scores']``: ``scores``
    if the entry has them, else the third keypoint values), which :class:`PoseFixPoseTrack18Metric` gives the
    refined joints. Refused at build time with one line naming the file and the entry: the ground truth as
    its metric reads it (head boxes, frame order, ignore regions), an entry of another layout (not 17 x 3
    keypoints), non-finite values, unknown image ids, and a sequence without any result.

    Args:
        allow_missing_sequences: accept results without any pose in some sequence (its persons are missed).
        **kwargs: as :class:`PoseFixResultsDataset` (``strict`` defaults to ``True``).
    """

    METAINFO: dict = POSETRACK18_METAINFO
    extent_joints = ~POSETRACK18_IGNORED

    def __init__(self, *args: Any, allow_missing_sequences: bool = False, strict: bool = True,
                 **kwargs: Any) -> None:
        self.allow_missing_sequences = allow_missing_sequences
        super().__init__(*args, strict=strict, **kwargs)

    def load_data_list(self) -> List[dict]:
        gt = check_posetrack18_file(self.ann_file)
        source = self.results_source
        data_list = super().load_data_list()
        if not self.allow_missing_sequences:
            gt.check_sequences_covered({info['img_id'] for info in data_list}, source)
        return data_list

    def _entry_to_data_info(self, index: int, entry: dict, img: dict) -> dict:
        info = super()._entry_to_data_info(index, entry, img)
        scores = entry.get('scores')
        k = len(POSETRACK18_KEYPOINT_NAMES)
        if not (isinstance(scores, list) and len(scores) == k):
            scores = entry['keypoints'][2::3]
        info['raw_ann_info'] = dict(input_keypoint_scores=[float(s) for s in scores])
        info['keypoint_ignored'] = POSETRACK18_IGNORED
        return info
