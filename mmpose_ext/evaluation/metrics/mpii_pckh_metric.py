"""MPII PCKh in the official layout and in mmpose's, with explicit threshold semantics."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np
from mmpose.registry import METRICS

from mmpose_ext.datasets.common import load_json_file
from .pck_table_metric import PCKTableMetric

# MPII joint order: 0 r_ankle 1 r_knee 2 r_hip 3 l_hip 4 l_knee 5 l_ankle 6 pelvis 7 thorax 8 upper_neck
# 9 head_top 10 r_wrist 11 r_elbow 12 r_shoulder 13 l_shoulder 14 l_elbow 15 l_wrist
_BODY = [('Shoulder', (12, 13)), ('Elbow', (11, 14)), ('Wrist', (10, 15)), ('Hip', (2, 3)), ('Knee', (1, 4)),
         ('Ankle', (0, 5))]
SC_BIAS = 0.6  # head size = 0.6 x head box diagonal, as in the official evaluation


@METRICS.register_module()
class MpiiPCKhMetric(PCKTableMetric):
    """PCKh on MPII Human Pose (Andriluka et al., CVPR 2014), reported in two clearly named layouts.

    The reference length is the head size, ``0.6 * ||head box diagonal||``. Pelvis and thorax are not scored.

    * **Official layout** (``evaluatePCKh.m`` / ``genTablePCK.m`` of the MPII evaluation kit): ``Head`` is the
      mean of the upper-neck and head-top PCKh, each other column the mean of the left and right joint,
      ``Mean`` pools all 14 scored joints, ``Mean@0.1`` the same at threshold 0.1. Keys ``Head``, ``Shoulder``,
      ``Elbow``, ``Wrist``, ``Hip``, ``Knee``, ``Ankle``, ``Mean``, ``Mean@0.1``.
    * **mmpose layout** (mmpose's ``MpiiPCKAccuracy``, HRNet's evaluation): ``Head PCK`` is the head top alone;
      keys ``Head PCK``, ``Shoulder PCK``, ..., ``PCK``, ``PCK@0.1`` (so ``save_best='mpii/PCK'`` keeps working).
      HRNet's script reads its ``Mean@0.1`` at index 11 of its threshold range, i.e. at 0.11; here it is 0.1.

    Both layouts use the same distances and ``threshold_rule`` (``'official'``: ``<=`` in float64, the default;
    ``'mmpose'``: ``<`` on float32 like ``MpiiPCKAccuracy``). Ground truth is the json's 1-based joints and the
    head boxes kept by :class:`MpiiOfficialDataset`; predictions get +1. With ``split_by_person_count`` the
    official layout is also reported for persons in single-person and multi-person images (keys
    ``single/...``, ``multi/...``): by default the count is the number of persons the annotation file lists
    for the image; ``person_counts_file`` (json ``{image name: persons}``) supplies counts from elsewhere,
    e.g. all annotated people of the MPII release. :meth:`evaluate_arrays` takes arrays (e.g. the predictions
    of a reference model) for result tables.

    Args:
        thr: PCKh threshold (0.5).
        thr_low: second threshold reported as ``Mean@<thr_low>`` / ``PCK@<thr_low>`` (0.1).
        threshold_rule: ``'official'`` or ``'mmpose'``, see above.
        split_by_person_count: add the single/multi-person report.
        person_counts_file: optional json mapping image file names to person counts.
        **kwargs: ``collect_device``, ``prefix`` (default ``'mpii'``).
    """

    default_prefix: Optional[str] = 'mpii'
    num_keypoints = 16
    official_columns = [('Head', (8, 9))] + _BODY
    mmpose_columns = [('Head PCK', (9, ))] + [(f'{n} PCK', j) for n, j in _BODY]
    mean_joints = [j for j in range(16) if j not in (6, 7)]
    dataset_hint = 'MpiiOfficialDataset (with headbox_file)'

    def __init__(self, thr: float = 0.5, thr_low: float = 0.1, threshold_rule: str = 'official',
                 split_by_person_count: bool = False, person_counts_file: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(thr=thr, extra_thrs=(thr_low, ), threshold_rule=threshold_rule, **kwargs)
        self.split_by_person_count = split_by_person_count or person_counts_file is not None
        self.person_counts: Optional[Dict[str, int]] = None
        if person_counts_file is not None:
            counts = load_json_file(person_counts_file, 'person counts file')
            if not isinstance(counts, dict) or not all(isinstance(v, int) for v in counts.values()):
                raise ValueError(f'person counts file {person_counts_file} must map image names to integers')
            self.person_counts = counts

    def reference_length(self, raw: dict, gt: np.ndarray) -> float:
        if 'headbox' not in raw:
            raise ValueError(f'MpiiPCKhMetric needs head boxes: build MpiiOfficialDataset with headbox_file '
                             f'(image {raw.get("image")})')
        box = np.asarray(raw['headbox'], dtype=np.float64)
        return SC_BIAS * float(np.linalg.norm(box[1] - box[0]))

    def group_of(self, raw: dict) -> Optional[str]:
        if not self.split_by_person_count:
            return None
        if self.person_counts is not None:
            if raw['image'] not in self.person_counts:
                raise ValueError(f'person counts file has no entry for image {raw["image"]}')
            n = self.person_counts[raw['image']]
        else:
            n = raw['persons_in_image']
        return 'single' if n == 1 else 'multi'
