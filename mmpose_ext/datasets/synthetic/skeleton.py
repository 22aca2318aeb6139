"""Internal joint set of the synthetic figures and its mapping to the COCO and CrowdPose layouts.

The internal skeleton holds every joint either output layout needs (the 17 COCO joints plus CrowdPose's head
top and neck) followed by a few helper points that are only used for drawing (head centre, hand tips, toes).
"""
from typing import Dict, List, Tuple

INTERNAL_JOINT_NAMES: Tuple[str, ...] = (
    'head_top', 'neck', 'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
    'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
    # helper points, never annotated
    'head_center', 'left_hand', 'right_hand', 'left_toe', 'right_toe',
)
JOINT_INDEX: Dict[str, int] = {name: index for index, name in enumerate(INTERNAL_JOINT_NAMES)}
NUM_JOINTS = len(INTERNAL_JOINT_NAMES)
# the first 19 internal joints are the ones that can end up in an annotation file
NUM_ANNOTATED_JOINTS = JOINT_INDEX['head_center']
FACE_JOINTS: Tuple[int, ...] = tuple(
    JOINT_INDEX[name] for name in ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear'))

COCO_KEYPOINT_NAMES: Tuple[str, ...] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
    'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle')
# 1-based keypoint pairs, as in the official COCO person category
COCO_SKELETON: List[List[int]] = [
    [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10],
    [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]

CROWDPOSE_KEYPOINT_NAMES: Tuple[str, ...] = (
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
    'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle', 'head', 'neck')
# 1-based keypoint pairs of the 14-joint layout (head-neck, neck-shoulders, arms, torso sides, hips, legs)
CROWDPOSE_SKELETON: List[List[int]] = [
    [13, 14], [14, 1], [14, 2], [1, 3], [3, 5], [2, 4], [4, 6], [1, 7], [2, 8], [7, 8], [7, 9], [9, 11],
    [8, 10], [10, 12]]
# CrowdPose counts `num_keypoints` over the 12 body joints only (head and neck excluded)
CROWDPOSE_NUM_BODY_JOINTS = 12
CROWDPOSE_SIGMAS: Tuple[float, ...] = (
    .079, .079, .072, .072, .062, .062, .107, .107, .087, .087, .089, .089, .079, .079)

INTERNAL_NAME_OF_CROWDPOSE = {'head': 'head_top'}

COCO_FROM_INTERNAL: Tuple[int, ...] = tuple(JOINT_INDEX[name] for name in COCO_KEYPOINT_NAMES)
CROWDPOSE_FROM_INTERNAL: Tuple[int, ...] = tuple(
    JOINT_INDEX[INTERNAL_NAME_OF_CROWDPOSE.get(name, name)] for name in CROWDPOSE_KEYPOINT_NAMES)

LAYOUT_JOINTS: Dict[str, Tuple[int, ...]] = {
    'coco': COCO_FROM_INTERNAL,
    'crowdpose': CROWDPOSE_FROM_INTERNAL,
}
