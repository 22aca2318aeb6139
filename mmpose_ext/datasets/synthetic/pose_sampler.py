"""Kinematic pose sampler for the synthetic figures.

A figure is built in 3D in units of its standing height: X points to the person's left (image right when the
person faces the camera), Y points down and Z points away from the camera, so a person facing the camera
looks towards -Z.  Joint angles are sampled per pose mode within anatomical limits, the figure is turned about
the vertical axis (yaw) and then projected orthographically; in-plane rotation and scale are applied in 2D.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from .skeleton import FACE_JOINTS, INTERNAL_JOINT_NAMES, JOINT_INDEX as J, NUM_JOINTS

# (min, max) joint limits in degrees
SHOULDER_FLEXION = (-50.0, 180.0)
SHOULDER_ABDUCTION = (0.0, 180.0)
ELBOW_FLEXION = (0.0, 150.0)
HIP_FLEXION = (-30.0, 125.0)
HIP_ABDUCTION = (-10.0, 50.0)
KNEE_FLEXION = (0.0, 150.0)

# a face point counts as hidden behind its own head once its direction from the head centre points this far
# away from the camera (z component of the unit direction)
# semi-axes of the head ellipsoid (width, height, depth); all face points lie inside it, so their projections
# always fall inside the projected head
HEAD_SEMI_AXES = (0.047, 0.064, 0.056)
FACE_HIDDEN_THRESHOLD = {'nose': 0.25, 'left_eye': 0.3, 'right_eye': 0.3, 'left_ear': 0.55, 'right_ear': 0.55}


def rot_x(deg: float) -> np.ndarray:
    """Rotation about the X axis; positive angles tilt +Y (down) towards +Z (away from the camera)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    """Rotation about the vertical axis."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float) -> np.ndarray:
    """Rotation about the viewing axis."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _unit(vector: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-6 else fallback


def _perpendicular(direction: np.ndarray, preferred: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Unit vector in the plane of ``direction`` and ``preferred``, perpendicular to ``direction``."""
    candidate = preferred - np.dot(preferred, direction) * direction
    if np.linalg.norm(candidate) < 0.2:
        candidate = fallback - np.dot(fallback, direction) * direction
    return _unit(candidate, fallback)


@dataclass
class BodyShape:
    """Proportions and limb radii of one figure, in units of its standing height."""
    shoulder_half_width: float
    hip_half_width: float
    torso_length: float
    head_scale: float
    upper_arm: float
    forearm: float
    thigh: float
    shank: float
    girth: float
    chest_half_depth: float
    radii: Dict[str, Tuple[float, float]] = field(default_factory=dict)


def sample_body_shape(rng: np.random.Generator) -> BodyShape:
    """Sample roughly human proportions (Drillis & Contini segment lengths) with per-person variation.

    Args:
        rng: Random generator.
    """
    arm, leg, girth = rng.uniform(0.95, 1.05), rng.uniform(0.95, 1.05), rng.uniform(0.75, 1.3)
    radii = {
        'upper_arm': (0.034 * girth, 0.027 * girth), 'forearm': (0.027 * girth, 0.02 * girth),
        'hand': (0.019, 0.017), 'thigh': (0.056 * girth, 0.04 * girth),
        'shank': (0.04 * girth, 0.026 * girth), 'foot': (0.02, 0.019),
        'neck': (0.026 * np.sqrt(girth), 0.026 * np.sqrt(girth)),
    }
    return BodyShape(
        shoulder_half_width=rng.uniform(0.1, 0.125), hip_half_width=rng.uniform(0.065, 0.085),
        torso_length=0.31 * rng.uniform(0.95, 1.05), head_scale=rng.uniform(0.92, 1.08),
        upper_arm=0.175 * arm, forearm=0.15 * arm, thigh=0.245 * leg, shank=0.245 * leg, girth=girth,
        chest_half_depth=0.055 * girth, radii=radii)


def _arm(rng, flex=(-15, 25), abd=(5, 25), elbow=(0, 35), twist=(-20, 40), adduct=(0, 0)) -> Dict[str, float]:
    return dict(flex=rng.uniform(*flex), abd=rng.uniform(*abd), elbow=rng.uniform(*elbow),
                twist=rng.uniform(*twist), adduct=rng.uniform(*adduct))


def _leg(rng, flex=(-8, 12), abd=(0, 12), knee=(0, 15)) -> Dict[str, float]:
    return dict(flex=rng.uniform(*flex), abd=rng.uniform(*abd), knee=rng.uniform(*knee))


def _torso(rng, lean=(-5, 10), side=(-6, 6), twist=(-15, 15)) -> Dict[str, float]:
    return dict(lean=rng.uniform(*lean), side=rng.uniform(*side), twist=rng.uniform(*twist))


def _standing(rng):
    return dict(arms=[_arm(rng), _arm(rng)], legs=[_leg(rng), _leg(rng)], torso=_torso(rng))


def _walking(rng):
    swing = rng.uniform(0.4, 1.0) * rng.choice([-1.0, 1.0])
    legs = [_leg(rng, flex=(28 * swing,) * 2, abd=(0, 6)), _leg(rng, flex=(-18 * swing,) * 2, abd=(0, 6))]
    legs[0 if swing < 0 else 1]['knee'] = rng.uniform(10, 45)  # the trailing leg bends
    arms = [_arm(rng, flex=(-30 * swing,) * 2, elbow=(10, 60)),  # arms swing against the legs
            _arm(rng, flex=(30 * swing,) * 2, elbow=(10, 60))]
    return dict(arms=arms, legs=legs, torso=_torso(rng, lean=(0, 10)))


def _arms_raised(rng):
    arms = []
    for _ in range(2):
        if rng.random() < 0.8:
            if rng.random() < 0.5:
                arms.append(_arm(rng, flex=(100, 180), abd=(0, 40), elbow=(0, 90), twist=(30, 90)))
            else:
                arms.append(_arm(rng, flex=(-10, 30), abd=(70, 170), elbow=(0, 90), twist=(30, 90)))
        else:
            arms.append(_arm(rng))
    return dict(arms=arms, legs=[_leg(rng), _leg(rng)], torso=_torso(rng))


def _gesturing(rng):
    arms = [_arm(rng, flex=(-40, 150), abd=(0, 110), elbow=(0, 145), twist=(-30, 90), adduct=(-20, 40))
            for _ in range(2)]
    return dict(arms=arms, legs=[_leg(rng, abd=(0, 20)), _leg(rng, abd=(0, 20))],
                torso=_torso(rng, side=(-12, 12), twist=(-30, 30)))


def _sitting(rng):
    arms = [_arm(rng, flex=(0, 60), elbow=(20, 100), twist=(0, 60)) for _ in range(2)]
    legs = [_leg(rng, flex=(70, 110), abd=(5, 25), knee=(70, 110)) for _ in range(2)]
    return dict(arms=arms, legs=legs, torso=_torso(rng, lean=(-10, 20)))


def _crouching(rng):
    arms = [_arm(rng, flex=(20, 90), elbow=(20, 120), twist=(0, 70)) for _ in range(2)]
    legs = [_leg(rng, flex=(90, 125), abd=(5, 30), knee=(100, 145)) for _ in range(2)]
    return dict(arms=arms, legs=legs, torso=_torso(rng, lean=(20, 50)))


def _bending(rng):
    arms = [_arm(rng, flex=(30, 110), elbow=(0, 60)) for _ in range(2)]
    legs = [_leg(rng, knee=(0, 25)) for _ in range(2)]
    return dict(arms=arms, legs=legs, torso=_torso(rng, lean=(30, 75)))


def _kicking(rng):
    legs = [_leg(rng, flex=(40, 95), abd=(0, 20), knee=(0, 100)), _leg(rng, flex=(-20, 0), knee=(0, 30))]
    if rng.random() < 0.5:
        legs.reverse()
    return dict(arms=[_gesturing(rng)['arms'][0], _arm(rng, abd=(10, 60))], legs=legs,
                torso=_torso(rng, lean=(-15, 10), side=(-10, 10)))


POSE_MODES: Dict[str, Tuple[float, Callable]] = {
    'standing': (0.25, _standing), 'walking': (0.25, _walking), 'arms_raised': (0.12, _arms_raised),
    'gesturing': (0.15, _gesturing), 'sitting': (0.08, _sitting), 'crouching': (0.05, _crouching),
    'bending': (0.05, _bending), 'kicking': (0.05, _kicking),
}


@dataclass
class FigureModel:
    """A posed figure after yaw and camera pitch, before in-plane rotation and scaling.

    Attributes:
        joints: (NUM_JOINTS, 3) internal joints in units of the standing height (x right, y down, z away).
        torso_hull: (M, 3) points whose projected convex hull is the torso.
        pelvis_hull: (M, 3) points whose projected convex hull is the waist/pelvis (lower clothes).
        skirt_hull: optional (M, 3) points of a skirt.
        face_dir: Unit 3D direction the face looks at (z < 0: towards the camera).
        face_hidden: (NUM_JOINTS,) True for face points that the figure's own head hides.
        head_axes: (3, 3) matrix whose columns are the head ellipsoid's semi-axis vectors.
        shape: Body proportions.
        mode: Name of the pose mode.
    """
    joints: np.ndarray
    torso_hull: np.ndarray
    pelvis_hull: np.ndarray
    skirt_hull: Optional[np.ndarray]
    face_dir: np.ndarray
    face_hidden: np.ndarray
    head_axes: np.ndarray
    shape: BodyShape
    mode: str


def _clip(value: float, limits: Tuple[float, float]) -> float:
    return float(np.clip(value, *limits))


def _limb_direction(flex: float, abd: float, side: int, adduct: float = 0.0) -> np.ndarray:
    """Direction of a limb hanging down after abduction (sideways) then flexion (forwards)."""
    hanging = np.array([side * np.sin(np.radians(abd)), np.cos(np.radians(abd)), 0.0])
    return rot_y(side * adduct) @ rot_x(-flex) @ hanging


def _build_arm(joints, shape, angles, side, frame) -> None:
    name = 'left' if side > 0 else 'right'
    upper = _limb_direction(_clip(angles['flex'], SHOULDER_FLEXION), _clip(angles['abd'], SHOULDER_ABDUCTION),
                            side, angles['adduct'])
    twist = np.radians(angles['twist'])
    preferred = np.cos(twist) * np.array([0.0, 0.0, -1.0]) + np.sin(twist) * np.array([-side, 0.0, 0.0])
    bend = _perpendicular(upper, preferred, np.array([0.0, -1.0, 0.0]))
    elbow = np.radians(_clip(angles['elbow'], ELBOW_FLEXION))
    lower = np.cos(elbow) * upper + np.sin(elbow) * bend
    shoulder = joints[J[f'{name}_shoulder']]
    joints[J[f'{name}_elbow']] = shoulder + frame @ upper * shape.upper_arm
    joints[J[f'{name}_wrist']] = joints[J[f'{name}_elbow']] + frame @ lower * shape.forearm
    joints[J[f'{name}_hand']] = joints[J[f'{name}_wrist']] + frame @ lower * 0.07


def _build_leg(joints, shape, angles, side, splay) -> None:
    name = 'left' if side > 0 else 'right'
    thigh = _limb_direction(_clip(angles['flex'], HIP_FLEXION), _clip(angles['abd'], HIP_ABDUCTION), side)
    bend = _perpendicular(thigh, np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0]))
    knee = np.radians(_clip(angles['knee'], KNEE_FLEXION))
    shank = np.cos(knee) * thigh + np.sin(knee) * bend
    forward = np.array([0.0, 0.0, -1.0])
    foot = _perpendicular(shank, rot_y(-side * splay) @ forward, forward)
    joints[J[f'{name}_knee']] = joints[J[f'{name}_hip']] + thigh * shape.thigh
    joints[J[f'{name}_ankle']] = joints[J[f'{name}_knee']] + shank * shape.shank
    joints[J[f'{name}_toe']] = joints[J[f'{name}_ankle']] + foot * 0.11 + shank * 0.02


def _box_points(centres, outward, forward, half_width, half_depth) -> np.ndarray:
    points = [c + sign_w * outward * half_width + sign_d * forward * half_depth
              for c in centres for sign_w in (-1.0, 1.0) for sign_d in (-1.0, 1.0)]
    return np.array(points)


def sample_yaw(rng: np.random.Generator) -> float:
    """Sample the facing direction: mostly frontal, some from behind, many profile-ish.

    Args:
        rng: Random generator.
    """
    kind = rng.random()
    if kind < 0.35:
        return float(rng.normal(0.0, 20.0))
    if kind < 0.5:
        return float(180.0 + rng.normal(0.0, 20.0))
    return float(rng.uniform(-180.0, 180.0))


def sample_figure(rng: np.random.Generator, with_skirt: bool = False) -> FigureModel:
    """Sample body proportions, a pose and a viewing direction, and build the 3D figure.

    Args:
        rng: Random generator.
        with_skirt: Whether to also build a skirt hull.

    Returns:
        The posed figure in camera orientation, in units of its standing height.
    """
    shape = sample_body_shape(rng)
    names = list(POSE_MODES)
    weights = np.array([POSE_MODES[name][0] for name in names])
    mode = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    angles = POSE_MODES[mode][1](rng)
    head = dict(yaw=rng.uniform(-45, 45), pitch=rng.uniform(-20, 20), roll=rng.uniform(-15, 15))
    splay = rng.uniform(5, 20)

    joints = np.zeros((NUM_JOINTS, 3))
    joints[J['left_hip']] = (shape.hip_half_width, 0.0, 0.0)
    joints[J['right_hip']] = (-shape.hip_half_width, 0.0, 0.0)
    torso = angles['torso']
    upper_frame = rot_x(torso['lean']) @ rot_z(torso['side']) @ rot_y(torso['twist'])
    joints[J['neck']] = upper_frame @ np.array([0.0, -shape.torso_length, 0.0])
    for side, name in ((1, 'left'), (-1, 'right')):
        offset = np.array([side * shape.shoulder_half_width, -shape.torso_length + 0.018, 0.0])
        joints[J[f'{name}_shoulder']] = upper_frame @ offset
    head_frame = upper_frame @ rot_y(head['yaw']) @ rot_x(-head['pitch']) @ rot_z(head['roll'])
    scale = shape.head_scale
    joints[J['head_center']] = joints[J['neck']] + head_frame @ np.array([0.0, -0.105, -0.012])
    face_offsets = {'head_top': (0.0, -0.06, 0.0), 'nose': (0.0, 0.012, -0.05),
                    'left_eye': (0.021, -0.006, -0.04), 'right_eye': (-0.021, -0.006, -0.04),
                    'left_ear': (0.042, 0.0, 0.004), 'right_ear': (-0.042, 0.0, 0.004)}
    for name, offset in face_offsets.items():
        joints[J[name]] = joints[J['head_center']] + head_frame @ (np.array(offset) * scale)
    for index, side in enumerate((1, -1)):
        _build_arm(joints, shape, angles['arms'][index], side, upper_frame)
        _build_leg(joints, shape, angles['legs'][index], side, splay)

    outward_up = upper_frame @ np.array([1.0, 0.0, 0.0])
    forward_up = upper_frame @ np.array([0.0, 0.0, -1.0])
    shoulder_mid = joints[J['left_shoulder']] * 0.5 + joints[J['right_shoulder']] * 0.5
    upper_width = shape.shoulder_half_width + shape.radii['upper_arm'][0] * 0.8
    pelvis_width = shape.hip_half_width + shape.radii['thigh'][0] * 0.8
    waist = upper_frame @ np.array([0.0, -0.07, 0.0])
    torso_hull = np.concatenate([
        _box_points([shoulder_mid], outward_up, forward_up, upper_width, shape.chest_half_depth),
        _box_points([joints[J['neck']] + upper_frame @ np.array([0.0, -0.012, 0.0])], outward_up, forward_up,
                    shape.shoulder_half_width * 0.55, shape.chest_half_depth * 0.6),
        _box_points([waist], outward_up, forward_up, pelvis_width * 0.95, shape.chest_half_depth * 0.9),
        _box_points([np.zeros(3)], np.array([1.0, 0, 0]), np.array([0, 0, -1.0]), pelvis_width,
                    shape.chest_half_depth),
    ])
    pelvis_hull = np.concatenate([
        _box_points([waist], outward_up, forward_up, pelvis_width * 0.97, shape.chest_half_depth * 0.92),
        _box_points([np.array([0.0, 0.03, 0.0])], np.array([1.0, 0, 0]), np.array([0, 0, -1.0]), pelvis_width,
                    shape.chest_half_depth),
    ])
    skirt_hull = None
    if with_skirt:
        length = rng.uniform(0.45, 0.95)
        hems = [joints[J[f'{name}_hip']] * (1 - length) + joints[J[f'{name}_knee']] * length
                for name in ('left', 'right')]
        flare = shape.radii['thigh'][0] * rng.uniform(1.3, 1.9)
        skirt_hull = np.concatenate([
            pelvis_hull, _box_points(hems, np.array([1.0, 0, 0]), np.array([0, 0, -1.0]), flare, flare)])

    # the camera is mostly a little above the person (feet tilt away from it) and sees it from any side
    camera = rot_x(rng.uniform(-5, 15)) @ rot_y(sample_yaw(rng))
    joints = joints @ camera.T
    face_dir = camera @ head_frame @ np.array([0.0, 0.0, -1.0])
    face_hidden = np.zeros(NUM_JOINTS, dtype=bool)
    for index in FACE_JOINTS:
        direction = _unit(joints[index] - joints[J['head_center']], np.zeros(3))
        face_hidden[index] = direction[2] > FACE_HIDDEN_THRESHOLD[INTERNAL_JOINT_NAMES[index]]
    return FigureModel(
        joints=joints, torso_hull=torso_hull @ camera.T, pelvis_hull=pelvis_hull @ camera.T,
        skirt_hull=None if skirt_hull is None else skirt_hull @ camera.T, face_dir=face_dir,
        face_hidden=face_hidden, head_axes=camera @ head_frame @ np.diag(np.array(HEAD_SEMI_AXES) * scale),
        shape=shape, mode=mode)


def sample_roll(rng: np.random.Generator) -> float:
    """In-plane rotation in degrees: mostly within +-30, occasionally anything.

    Args:
        rng: Random generator.
    """
    if rng.random() < 0.92:
        return float(np.clip(rng.normal(0.0, 12.0), -30.0, 30.0))
    return float(rng.uniform(-180.0, 180.0))
