"""Metainfo of the Leeds Sports Pose dataset (14 joints, LSP order), in mmpose's ``dataset_info`` format."""
from __future__ import annotations

from typing import Dict, List, Tuple

_ORANGE, _GREEN, _BLUE = [255, 128, 0], [0, 255, 0], [51, 153, 255]

# (name, type, swap, colour); LSP order, as in joints.mat of lsp_dataset and lspet_dataset.
_JOINTS: List[Tuple[str, str, str, list]] = [
    ('right_ankle', 'lower', 'left_ankle', _ORANGE),
    ('right_knee', 'lower', 'left_knee', _ORANGE),
    ('right_hip', 'lower', 'left_hip', _ORANGE),
    ('left_hip', 'lower', 'right_hip', _GREEN),
    ('left_knee', 'lower', 'right_knee', _GREEN),
    ('left_ankle', 'lower', 'right_ankle', _GREEN),
    ('right_wrist', 'upper', 'left_wrist', _ORANGE),
    ('right_elbow', 'upper', 'left_elbow', _ORANGE),
    ('right_shoulder', 'upper', 'left_shoulder', _ORANGE),
    ('left_shoulder', 'upper', 'right_shoulder', _GREEN),
    ('left_elbow', 'upper', 'right_elbow', _GREEN),
    ('left_wrist', 'upper', 'right_wrist', _GREEN),
    ('neck', 'upper', '', _BLUE),
    ('head_top', 'upper', '', _BLUE),
]
_LINKS: List[Tuple[str, str, list]] = [
    ('right_ankle', 'right_knee', _ORANGE), ('right_knee', 'right_hip', _ORANGE), ('right_hip', 'left_hip', _BLUE),
    ('left_hip', 'left_knee', _GREEN), ('left_knee', 'left_ankle', _GREEN),
    ('right_wrist', 'right_elbow', _ORANGE), ('right_elbow', 'right_shoulder', _ORANGE),
    ('right_shoulder', 'neck', _BLUE), ('left_shoulder', 'neck', _BLUE),
    ('left_shoulder', 'left_elbow', _GREEN), ('left_elbow', 'left_wrist', _GREEN),
    ('right_shoulder', 'right_hip', _ORANGE), ('left_shoulder', 'left_hip', _GREEN), ('neck', 'head_top', _BLUE),
]

LSP_METAINFO: Dict = dict(
    dataset_name='lsp',
    paper_info=dict(
        author='Sam Johnson and Mark Everingham',
        title='Clustered Pose and Nonlinear Appearance Models for Human Pose Estimation',
        container='British Machine Vision Conference (BMVC)',
        year='2010',
        homepage='http://sam.johnson.io/research/lsp.html',
    ),
    keypoint_info={i: dict(name=n, id=i, color=c, type=t, swap=s) for i, (n, t, s, c) in enumerate(_JOINTS)},
    skeleton_info={i: dict(link=(a, b), id=i, color=c) for i, (a, b, c) in enumerate(_LINKS)},
    joint_weights=[1.0] * len(_JOINTS),
    # MPII's per-joint sigmas for the same joints (neck = MPII's upper neck); used only by OKS-based NMS.
    sigmas=[0.089, 0.083, 0.107, 0.107, 0.083, 0.089, 0.062, 0.072, 0.179, 0.179, 0.072, 0.062, 0.026, 0.026],
)
