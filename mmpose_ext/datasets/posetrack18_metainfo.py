"""Metainfo of PoseTrack18 as PoseFix's reference lays it out (17 joints, COCO order with the eyes replaced by
head_bottom and head_top), in mmpose's ``dataset_info`` format.

Differences from mmpose's ``configs/_base_/datasets/posetrack18.py``, both the reference's choices
(``mks0601/PoseFix_RELEASE``, ``data/PoseTrack/dataset.py``):

* ``sigmas``: the ears are 0 (mmpose: .035); head_bottom and head_top are .035 (mmpose: .025). The ears are never
  labelled in PoseTrack18, so OKS (NMS) and PoseFix's error synthesis leave them out (:data:`IGNORED_JOINTS`).
* the ears have no flip partner (mmpose swaps them); ``kps_symmetry`` of the reference lists the body pairs only.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

_ORANGE, _GREEN, _BLUE = [255, 128, 0], [0, 255, 0], [51, 153, 255]

# (name, type, swap, colour, sigma)
_JOINTS: List[Tuple[str, str, str, list, float]] = [
    ('nose', 'upper', '', _BLUE, .026),
    ('head_bottom', 'upper', '', _BLUE, .035),
    ('head_top', 'upper', '', _BLUE, .035),
    ('left_ear', 'upper', '', _GREEN, 0.),
    ('right_ear', 'upper', '', _ORANGE, 0.),
    ('left_shoulder', 'upper', 'right_shoulder', _GREEN, .079),
    ('right_shoulder', 'upper', 'left_shoulder', _ORANGE, .079),
    ('left_elbow', 'upper', 'right_elbow', _GREEN, .072),
    ('right_elbow', 'upper', 'left_elbow', _ORANGE, .072),
    ('left_wrist', 'upper', 'right_wrist', _GREEN, .062),
    ('right_wrist', 'upper', 'left_wrist', _ORANGE, .062),
    ('left_hip', 'lower', 'right_hip', _GREEN, .107),
    ('right_hip', 'lower', 'left_hip', _ORANGE, .107),
    ('left_knee', 'lower', 'right_knee', _GREEN, .087),
    ('right_knee', 'lower', 'left_knee', _ORANGE, .087),
    ('left_ankle', 'lower', 'right_ankle', _GREEN, .089),
    ('right_ankle', 'lower', 'left_ankle', _ORANGE, .089),
]
#: the 19 links of the PoseTrack18 person category, by joint name
_LINKS = [('left_ankle', 'left_knee'), ('left_knee', 'left_hip'), ('right_ankle', 'right_knee'),
          ('right_knee', 'right_hip'), ('left_hip', 'right_hip'), ('left_shoulder', 'left_hip'),
          ('right_shoulder', 'right_hip'), ('left_shoulder', 'right_shoulder'), ('left_shoulder', 'left_elbow'),
          ('right_shoulder', 'right_elbow'), ('left_elbow', 'left_wrist'), ('right_elbow', 'right_wrist'),
          ('head_bottom', 'head_top'), ('nose', 'head_bottom'), ('nose', 'head_top'), ('head_bottom', 'left_ear'),
          ('head_top', 'right_ear'), ('left_ear', 'left_shoulder'), ('right_ear', 'right_shoulder')]

#: names of the joints that are never labelled in PoseTrack18: never synthesised, never scored
IGNORED_JOINTS: Tuple[str, ...] = ('left_ear', 'right_ear')
POSETRACK18_KEYPOINT_NAMES: Tuple[str, ...] = tuple(j[0] for j in _JOINTS)

POSETRACK18_METAINFO: Dict = dict(
    dataset_name='posetrack18',
    paper_info=dict(
        author='Andriluka, Mykhaylo and Iqbal, Umar and Insafutdinov, Eldar and Pishchulin, Leonid and '
               'Milan, Anton and Gall, Juergen and Schiele, Bernt',
        title='PoseTrack: A Benchmark for Human Pose Estimation and Tracking',
        container='IEEE Conference on Computer Vision and Pattern Recognition (CVPR)',
        year='2018',
        homepage='https://posetrack.net/',
    ),
    keypoint_info={i: dict(name=n, id=i, color=c, type=t, swap=s) for i, (n, t, s, c, _) in enumerate(_JOINTS)},
    skeleton_info={i: dict(link=link, id=i, color=_BLUE) for i, link in enumerate(_LINKS)},
    joint_weights=[1.0] * len(_JOINTS),
    sigmas=[j[4] for j in _JOINTS],
)
