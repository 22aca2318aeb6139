"""PoseFix's training-time input poses: the ground truth with realistic, synthesised errors."""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

ERROR_TYPES = ('jitter', 'miss', 'inversion', 'swap', 'good')
INVALID = -1  # error type of a joint that gets no input point

# Joint kind -> (jitter group, miss group, body part) of the reference's probability table, which is written for
# COCO's 17 joints. Other layouts are placed by the words of their joint names (see ``joint_kind``).
_KIND_GROUPS = {
    'nose': ('nose_knee_ankle', 'face', 'face'),
    'head': ('nose_knee_ankle', 'face', 'face'),  # a single central face point, as the nose
    'eye': ('face_arm', 'face', 'face'),
    'ear': ('face_arm', 'face', 'face'),
    'neck': ('face_arm', 'shoulder_ankle', 'upper'),  # sits between the shoulders
    'shoulder': ('face_arm', 'shoulder_ankle', 'upper'),
    'elbow': ('face_arm', 'other', 'upper'),
    'wrist': ('face_arm', 'other', 'upper'),
    'hip': ('hip', 'other', 'lower'),
    'knee': ('nose_knee_ankle', 'other', 'lower'),
    'ankle': ('nose_knee_ankle', 'shoulder_ankle', 'lower'),
}
_NAME_WORDS = {'nose': 'nose', 'head': 'head', 'eye': 'eye', 'ear': 'ear', 'neck': 'neck', 'thorax': 'neck',
               'shoulder': 'shoulder', 'elbow': 'elbow', 'wrist': 'wrist', 'hip': 'hip', 'pelvis': 'hip',
               'knee': 'knee', 'ankle': 'ankle', 'heel': 'ankle', 'toe': 'ankle', 'foot': 'ankle'}
# base probabilities; tuples are indexed by the regime of the number n of annotated joints
_JITTER = {'nose_knee_ankle': (0.15, 0.10), 'face_arm': (0.20, 0.15), 'hip': (0.25, 0.20)}  # n<=10, n>10
_MISS = {'face': (0.15, 0.10, 0.02), 'shoulder_ankle': (0.20, 0.13, 0.05), 'other': (0.25, 0.15, 0.10)}  # n<=5,<=10
_INVERSION = {'face': 0.01, 'upper': 0.03, 'lower': 0.06}
_SWAP = {'face': (0.02, 0.01), 'upper': (0.15, 0.06), 'lower': (0.10, 0.03)}  # crowded, otherwise


def joint_kind(name: str, overrides: Optional[Mapping[str, str]] = None) -> str:
    """The kind of a joint (a key of the table's groups) from its name, e.g. ``'left_ear'`` -> ``'ear'``."""
    if overrides and name in overrides:
        kind = overrides[name]
        if kind not in _KIND_GROUPS:
            raise ValueError(f'joint_kinds[{name!r}] = {kind!r} is not one of {sorted(_KIND_GROUPS)}')
        return kind
    words = name.lower().replace('-', '_').replace(' ', '_').split('_')
    kinds = {_NAME_WORDS[w] for w in words if w in _NAME_WORDS}
    if len(kinds) != 1:
        raise ValueError(f'cannot place joint {name!r} in PoseFix\'s error table (found kinds {sorted(kinds)}); '
                         f'give SynthesizePoseErrors joint_kinds={{{name!r}: <one of {sorted(_KIND_GROUPS)}>}}')
    return kinds.pop()


def base_error_probabilities(kinds: Sequence[str], num_annotated: int, num_near: int) -> np.ndarray:
    """(K, 5) probabilities of jitter, miss, inversion, swap and good per joint, before dropping failed types."""
    jitter_regime = 0 if num_annotated <= 10 else 1
    miss_regime = 0 if num_annotated <= 5 else 1 if num_annotated <= 10 else 2
    crowded = (num_annotated <= 10 and num_near > 0) or (num_annotated <= 15 and num_near >= 3)
    probs = np.zeros((len(kinds), 5))
    for j, kind in enumerate(kinds):
        jitter_group, miss_group, part = _KIND_GROUPS[kind]
        probs[j, :4] = (_JITTER[jitter_group][jitter_regime], _MISS[miss_group][miss_regime], _INVERSION[part],
                        _SWAP[part][0 if crowded else 1])
    probs[:, 4] = 1 - probs[:, :4].sum(1)
    return probs


def oks_radius(ks: float, sigmas: np.ndarray, area: float) -> np.ndarray:
    """Distance at which a joint's OKS term ``exp(-d^2 / (2 area (2 sigma)^2))`` equals ``ks``."""
    return np.sqrt(-2 * area * (2 * sigmas) ** 2 * np.log(ks))


# per error type: the (low, high) radius ring as indices into the radii (0, d85, d50, d10)
_RINGS = np.array([(1, 2), (2, 3), (0, 2), (0, 2), (0, 1)])
_MISS_TYPE = 1


@lru_cache(maxsize=64)
def _centre_layout(num_near: int) -> Tuple[np.ndarray, np.ndarray]:
    """(5, S) centre weights and (5, S) masks of the sources a candidate of each type must stay clear of.

    Sources per joint: 0 = own position, 1..M = near persons' same joint, M+1 = own symmetric joint,
    M+2..2M+1 = near persons' symmetric joint.
    """
    num_sources, inv = 2 * num_near + 2, num_near + 1
    weights = np.zeros((5, num_sources))
    weights[0, 0] = weights[4, 0] = 1.0  # jitter and good: around the own position
    weights[1] = 0.25  # miss: around any source; the reference sub-samples the non-own ones by 4
    weights[1, 0] = 1.0
    weights[2, inv] = 1.0  # inversion: the own symmetric joint
    weights[3, 1:] = 1.0  # swap: the near persons' same or symmetric joint
    weights[3, inv] = 0.0
    clear_of = np.ones((5, num_sources), bool)
    clear_of[3] = np.isin(np.arange(num_sources), [0, inv])  # a swap only has to avoid the own and inverse points
    return weights, clear_of


def synthesize_pose_errors(own: np.ndarray, own_ok: np.ndarray, annotated: np.ndarray, near: np.ndarray,
                           near_ok: np.ndarray, flip_indices: Sequence[int], sigmas: np.ndarray, area: float,
                           probs: np.ndarray, rng=np.random, max_candidates: int = 500
                           ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One synthesised input pose; all joints and error types are drawn together with numpy.

    Each (joint, type) draws candidates by rejection: a centre among the type's sources (weighted), a uniform
    angle and a uniform radius in the type's ring; a candidate passes if it is farther than its clearance (its
    own radius; d50 for a miss) from every valid source it must avoid, except its centre. The first passing
    candidate of an i.i.d. sequence is a uniform draw among the passing ones, as the reference's choice among
    its candidates; candidates come in rounds (8, 56, then the rest of ``max_candidates``) for the (joint,
    type) pairs still without one, and a type fails after ``max_candidates`` (the reference's N = 500).

    Args:
        own: (K, 2) each joint's own position (ground truth where annotated, else the estimate).
        own_ok: (K,) whether ``own`` is known; joints without it get no input point.
        annotated: (K,) annotated ground truth (inside the crop): only those can be inversion sources.
        near: (M, K, 2) the near persons' joints; ``near_ok`` (M, K) which of them are annotated.
        flip_indices: each joint's symmetric joint (itself if none).
        sigmas: (K,) OKS sigmas; ``area``: the person's box area in these coordinates.
        probs: (K, 5) base probabilities of :data:`ERROR_TYPES`.
        rng: ``numpy.random`` (global state) or a ``numpy.random.Generator``.
        max_candidates: candidates per joint and type before the type counts as impossible.

    Returns:
        (K, 2) points, (K,) validity and (K,) error type index (:data:`INVALID` for no point).
    """
    num_joints, num_near = len(own), len(near)
    pair = np.asarray(flip_indices)
    has_pair = pair != np.arange(num_joints)
    sources = np.concatenate([own[:, None], near.transpose(1, 0, 2), own[pair][:, None],
                              near[:, pair].transpose(1, 0, 2)], axis=1)
    source_ok = np.concatenate([own_ok[:, None], near_ok.T, (has_pair & annotated[pair])[:, None],
                                (has_pair[None] & near_ok[:, pair]).T], axis=1)
    num_sources = sources.shape[1]
    base_weights, clear_of = _centre_layout(num_near)
    weights = base_weights[None] * source_ok[:, None, :]  # (K, 5, S)
    cumulative = np.cumsum(weights, -1)
    last_centre = num_sources - 1 - (weights[..., ::-1] > 0).argmax(-1)
    sigmas = np.asarray(sigmas, dtype=np.float64)
    radii = np.stack([np.zeros(num_joints)] + [oks_radius(ks, sigmas, area) for ks in (0.85, 0.5, 0.1)], 1)

    points, found = np.zeros((num_joints, 5, 2)), np.zeros((num_joints, 5), bool)
    joint, kind = np.nonzero(cumulative[..., -1] > 0)  # the (joint, type) pairs with a centre to draw around
    for count in (8, 56, max_candidates - 64):
        if not len(joint) or count <= 0:
            break
        u = rng.random((3, len(joint), count))
        total = cumulative[joint, kind, -1][:, None]
        centre = (cumulative[joint, kind][:, None, :] <= (u[0] * total)[..., None]).sum(-1)
        centre = np.minimum(centre, last_centre[joint, kind][:, None])  # (R, C)
        low, high = radii[joint, _RINGS[kind, 0]][:, None], radii[joint, _RINGS[kind, 1]][:, None]
        radius = low + (high - low) * u[1]
        angle = 2 * np.pi * u[2]
        x = sources[joint[:, None], centre, 0] + radius * np.cos(angle)
        y = sources[joint[:, None], centre, 1] + radius * np.sin(angle)
        own_sources = sources[joint][:, None]  # (R, 1, S, 2)
        distance2 = (x[..., None] - own_sources[..., 0]) ** 2 + (y[..., None] - own_sources[..., 1]) ** 2
        clearance = np.where((kind == _MISS_TYPE)[:, None], radii[joint, 2][:, None], radius)
        must_avoid = (source_ok[joint] & clear_of[kind])[:, None, :] & (centre[..., None] != np.arange(num_sources))
        # a relative tolerance so that a source at the very same point always blocks, as in exact arithmetic
        passed = ~((distance2 <= ((1 + 1e-6) * clearance[..., None]) ** 2) & must_avoid).any(-1)  # (R, C)
        hit = passed.any(1)
        first = passed.argmax(1)[hit]
        rows = np.flatnonzero(hit)
        points[joint[hit], kind[hit]] = np.stack([x[rows, first], y[rows, first]], -1)
        found[joint[hit], kind[hit]] = True
        joint, kind = joint[~hit], kind[~hit]

    probs = np.where(found & own_ok[:, None], probs, 0.0)
    total = probs.sum(1)
    valid = total > 0
    # type i is drawn when cumsum[i-1] <= u * total < cumsum[i]; the clip guards against rounding at the top end
    drawn = (np.cumsum(probs, 1) <= (rng.random(num_joints) * total)[:, None]).sum(1)
    last_possible = 4 - (probs[:, ::-1] > 0).argmax(1)
    types = np.where(valid, np.minimum(drawn, last_possible), INVALID)
    result = np.where(valid[:, None], points[np.arange(num_joints), np.maximum(types, 0)], 0.0)
    return result, valid, types


@TRANSFORMS.register_module()
class SynthesizePoseErrors(BaseTransform):
    """PoseFix's input-pose synthesis (Moon, Chang and Lee, "PoseFix: Model-agnostic General Human Pose
    Refinement Network", CVPR 2019), after ``TopdownAffine``, in crop pixels.

    Per joint one error type is drawn: jitter (OKS term in [0.5, 0.85) around the own position), miss (OKS
    < 0.5 from every source: own, near persons' same / symmetric joint, own symmetric joint), inversion (within
    OKS 0.5 of the own symmetric joint, if that is annotated), swap (within OKS 0.5 of a near person's same or
    symmetric joint) or good (OKS > 0.85), each point also clear of the other sources. Radii are
    ``d(ks) = sqrt(-2 area (2 sigma_j)^2 ln ks)`` with ``area`` = the person's box area after the crop's affine
    transform. Base probabilities follow the reference's table (by the number n of annotated joints inside
    the crop, the number of near persons, and the joint's group); types whose sampling fails are dropped and
    the rest renormalised; a joint with nothing possible gets no input point. Un-annotated joints start from
    the estimated pose. All joints of a sample are drawn at once with numpy.

    Other keypoint layouts use the table through their joint names: nose and head top as the nose, eyes and
    ears as the face, neck/thorax as the shoulders (and upper body), elbows and wrists as the arms, hips/pelvis,
    knees, ankles (heel, toe, foot) as COCO's; ``joint_kinds`` overrides a name. Joints that the sample's
    ``keypoint_ignored`` (K,) marks (PoseTrack18's ears) get no input point and are no swap or inversion source.

    Needs a sample of ``PoseFixCocoDataset`` (instances: ground truth, estimate, near persons). Sets
    ``input_keypoints`` (1, K, 2) float32, ``input_keypoints_visible`` (1, K) float32 and
    ``input_error_types`` (K,) int8 (index into :data:`ERROR_TYPES`, -1 = no point), and reduces
    ``keypoints``, ``keypoints_visible``, ``transformed_keypoints`` and ``keypoints_visible_weights`` to the
    ground truth.

    Args:
        joint_kinds: ``{joint name: kind}`` for names the table cannot place by itself.
        max_candidates: rejection-sampling candidates per joint and type before the type counts as impossible
            (the reference's 500).
        seed: seed of a private generator; ``None`` draws from numpy's global state, as mmpose's transforms.
    """

    def __init__(self, joint_kinds: Optional[Dict[str, str]] = None, max_candidates: int = 500,
                 seed: Optional[int] = None) -> None:
        super().__init__()
        self.joint_kinds = dict(joint_kinds or {})
        self.max_candidates = max_candidates
        self.seed = seed
        self.rng: Union[np.random.Generator, object] = np.random if seed is None else np.random.default_rng(seed)
        self._kinds_cache: Dict[tuple, Tuple[str, ...]] = {}

    def _kinds(self, names: Tuple[str, ...]) -> Tuple[str, ...]:
        if names not in self._kinds_cache:
            self._kinds_cache[names] = tuple(joint_kind(n, self.joint_kinds) for n in names)
        return self._kinds_cache[names]

    def transform(self, results: Dict) -> Dict:
        where = f'{type(self).__name__}: {results.get("img_path")} (annotation id {results.get("id")})'
        needed = ('num_near_instances', 'keypoint_names', 'keypoint_sigmas', 'transformed_keypoints')
        if any(key not in results for key in needed):
            raise KeyError(f'{where} needs a PoseFixCocoDataset sample after TopdownAffine (missing '
                           f'{[key for key in needed if key not in results]})')
        keypoints = np.asarray(results['transformed_keypoints'], dtype=np.float64)[..., :2]
        visible = np.asarray(results['keypoints_visible'], dtype=np.float64)
        visible = visible[..., 0] if visible.ndim == 3 else visible
        num_near = int(results['num_near_instances'])
        if keypoints.ndim != 3 or len(keypoints) != 2 + num_near or visible.shape != keypoints.shape[:2]:
            raise ValueError(f'{where}: expected 2 + {num_near} instances (ground truth, estimate, near persons), '
                             f'got keypoints {keypoints.shape} and visibility {visible.shape}')
        width, height = results['input_size']
        inside = ((keypoints[..., 0] >= 0) & (keypoints[..., 0] < width)
                  & (keypoints[..., 1] >= 0) & (keypoints[..., 1] < height))
        labelled = (visible > 0) & inside  # as the reference: joints leaving the crop count as not annotated
        ignored = results.get('keypoint_ignored')
        if ignored is not None:  # joints the layout never labels (PoseTrack18's ears): never synthesised
            labelled &= ~np.asarray(ignored, dtype=bool)[None]
            visible = np.where(np.asarray(ignored, dtype=bool)[None], 0.0, visible)
        annotated, estimated_ok = labelled[0], visible[1] > 0
        own = np.where(annotated[:, None], keypoints[0], keypoints[1])
        own_ok = annotated | estimated_ok

        x1, y1, x2, y2 = np.asarray(results['bbox'], dtype=np.float64).reshape(4)
        scale_w, scale_h = np.asarray(results['input_scale'], dtype=np.float64).reshape(2)
        area = (x2 - x1) * (y2 - y1) * (width / scale_w) * (height / scale_h)

        names = tuple(results['keypoint_names'])
        probs = base_error_probabilities(self._kinds(names), int(annotated.sum()), num_near)
        points, valid, types = synthesize_pose_errors(
            own, own_ok, annotated, keypoints[2:], labelled[2:], results['flip_indices'], results['keypoint_sigmas'],
            area, probs, self.rng, self.max_candidates)

        results['input_keypoints'] = points[None].astype(np.float32)
        results['input_keypoints_visible'] = valid[None].astype(np.float32)
        results['input_error_types'] = types.astype(np.int8)
        for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints', 'keypoints_visible_weights'):
            if key in results and results[key] is not None:
                results[key] = results[key][:1]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(joint_kinds={self.joint_kinds}, max_candidates={self.max_candidates}, '
                f'seed={self.seed})')
