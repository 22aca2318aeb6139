"""SynthesizePoseErrors: error-type frequencies against the reference's table, the OKS ranges of each type,
renormalisation when a type is impossible, joints without an input point, and the joint groups of other layouts."""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_ext.datasets.common import mmpose_metainfo
from mmpose_ext.datasets.transforms import SynthesizePoseErrors
from mmpose_ext.datasets.transforms.synthesize_pose_errors import ERROR_TYPES, INVALID, joint_kind

COCO = parse_pose_metainfo(mmpose_metainfo('coco.py'))
NAMES = tuple(COCO['keypoint_id2name'][k] for k in range(17))
FLIP = np.asarray(COCO['flip_indices'])
SIGMAS = np.asarray(COCO['sigmas'], dtype=np.float64)
JITTER, MISS, INVERSION, SWAP, GOOD = range(5)

# The reference's probability table in COCO joint order (research notes §2.3), written out here on its own.
TABLE_JITTER = {'n<=10': [.15] + [.20] * 10 + [.25] * 2 + [.15] * 4,
                'n>10': [.10] + [.15] * 10 + [.20] * 2 + [.10] * 4}
TABLE_MISS = {'n<=5': [.15] * 5 + [.20] * 2 + [.25] * 8 + [.20] * 2,
              'n<=10': [.10] * 5 + [.13] * 2 + [.15] * 8 + [.13] * 2,
              'n>10': [.02] * 5 + [.05] * 2 + [.10] * 8 + [.05] * 2}
TABLE_INVERSION = [.01] * 5 + [.03] * 6 + [.06] * 6
TABLE_SWAP = {'crowded': [.02] * 5 + [.15] * 6 + [.10] * 6, 'otherwise': [.01] * 5 + [.06] * 6 + [.03] * 6}

# Joints 150 px apart and an area of 100 x 100 px: every error ring (at most d(0.1) = 46 px) is free of the
# other joints, so every type succeeds unless the scene makes it impossible.
INPUT = 2000
AREA = 100.0 * 100.0
GRID = np.array([[150.0 + 150 * (j % 5), 150.0 + 150 * (j // 5)] for j in range(17)])
ESTIMATE = GRID + 3.0  # own position of the joints that are not annotated
NEAR_OFFSETS = np.array([[900.0, 0.0], [900.0, 700.0], [0.0, 700.0]])


def radius(ks: float, area: float = AREA) -> np.ndarray:
    return np.sqrt(-2 * area * (2 * SIGMAS) ** 2 * np.log(ks))


def scene(annotated: Sequence[int], num_near: int = 0, gt: np.ndarray = GRID, estimate_visible: bool = True,
          input_scale: float = INPUT) -> dict:
    """A cropped PoseFixCocoDataset sample: ground truth, estimate, near persons, in crop pixels."""
    visible = np.zeros(17, np.float32)
    visible[list(annotated)] = 1
    near = GRID[None] + NEAR_OFFSETS[:num_near, None]
    keypoints = np.concatenate([gt[None], ESTIMATE[None], near]).astype(np.float32)
    visibility = np.concatenate([visible[None], np.full((1, 17), float(estimate_visible)), np.ones((num_near, 17))])
    return dict(keypoints=keypoints.copy(), transformed_keypoints=keypoints, keypoints_visible=visibility,
                keypoints_visible_weights=visibility.copy(), num_near_instances=num_near, keypoint_names=NAMES,
                keypoint_sigmas=SIGMAS, flip_indices=list(FLIP), input_size=(INPUT, INPUT),
                input_scale=np.array([input_scale, input_scale], np.float32),
                bbox=np.array([[10, 20, 110, 120]], np.float32), img_path='scene.jpg', id=1)


def run(results: dict, trials: int, seed: int = 0) -> Dict[str, np.ndarray]:
    transform = SynthesizePoseErrors(seed=seed)
    outs = [transform(dict(results)) for _ in range(trials)]
    return dict(types=np.stack([o['input_error_types'] for o in outs]).astype(int),
                points=np.stack([o['input_keypoints'][0] for o in outs]).astype(np.float64),
                valid=np.stack([o['input_keypoints_visible'][0] for o in outs]))


def expected_probabilities(annotated: Sequence[int], num_near: int) -> np.ndarray:
    n = len(annotated)
    crowded = (n <= 10 and num_near > 0) or (n <= 15 and num_near >= 3)
    probs = np.zeros((17, 5))
    probs[:, JITTER] = TABLE_JITTER['n<=10' if n <= 10 else 'n>10']
    probs[:, MISS] = TABLE_MISS['n<=5' if n <= 5 else 'n<=10' if n <= 10 else 'n>10']
    probs[:, INVERSION] = TABLE_INVERSION
    probs[:, SWAP] = TABLE_SWAP['crowded' if crowded else 'otherwise']
    probs[:, GOOD] = 1 - probs[:, :4].sum(1)
    has_annotated_partner = np.array([FLIP[j] != j and FLIP[j] in annotated for j in range(17)])
    probs[~has_annotated_partner, INVERSION] = 0  # impossible types are dropped and the rest renormalised
    if num_near == 0:
        probs[:, SWAP] = 0
    return probs / probs.sum(1, keepdims=True)


REGIMES = {  # name: (annotated joints, near persons)
    'n<=5': ([0, 5, 6, 11, 13], 0),
    'n<=5 overlap': ([0, 5, 6, 11, 13], 1),
    'n<=10': ([1, 2, 5, 6, 9, 11, 12, 15], 0),
    'n<=10 overlap': ([1, 2, 5, 6, 9, 11, 12, 15], 1),
    'n>10': (list(range(17)), 0),
    'n>10 overlap 1 (not crowded)': (list(range(17)), 1),
    'n<=15 overlap 3 (crowded)': ([0, 1, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 14], 3),
}


@pytest.mark.parametrize('regime', sorted(REGIMES))
def test_error_type_frequencies_and_oks_ranges_follow_the_table(regime):
    annotated, num_near = REGIMES[regime]
    trials = 1500
    out = run(scene(annotated, num_near), trials, seed=sorted(REGIMES).index(regime))
    types, points = out['types'], out['points']
    assert (types != INVALID).all() and (out['valid'] == 1).all()

    expected = expected_probabilities(annotated, num_near)
    for kind, name in enumerate(ERROR_TYPES):
        freq = (types == kind).mean(0)
        p = expected[:, kind]
        tolerance = 5 * np.sqrt(p * (1 - p) / trials)
        bad = np.flatnonzero(np.abs(freq - p) > tolerance)
        assert not len(bad), f'{regime}: {name} frequency {freq[bad]} vs table {p[bad]} for joints {bad}'
        assert (freq[p == 0] == 0).all(), f'{regime}: impossible {name} drawn for joints {np.flatnonzero(p == 0)}'
        # pooled over the joints of one table cell (independent draws): tight enough to tell 0.06 from 0.04
        for cell in np.unique(p[p > 0]):
            joints = np.flatnonzero(p == cell)
            pooled = (types[:, joints] == kind).mean()
            assert abs(pooled - cell) <= 5 * np.sqrt(cell * (1 - cell) / (trials * len(joints))), \
                f'{regime}: {name} pooled frequency {pooled:.4f} vs table {cell:.4f} for joints {joints}'

    own = np.where(np.isin(np.arange(17), annotated)[:, None], GRID, ESTIMATE)
    d50, d10 = radius(0.5), radius(0.1)
    eps = 1e-6
    dist_own = np.linalg.norm(points - own[None], axis=-1)
    oks_own = np.exp(-dist_own ** 2 / (2 * AREA * (2 * SIGMAS) ** 2))
    good, jitter = types == GOOD, types == JITTER
    assert (oks_own[good] >= 0.85 - eps).all()
    assert (oks_own[jitter] >= 0.5 - eps).all() and (oks_own[jitter] <= 0.85 + eps).all()
    # miss: OKS < 0.5 from the own position and from every other source, OKS >= 0.1 from one of them
    near = GRID[None] + NEAR_OFFSETS[:num_near, None]
    sources = [own, own[FLIP]] + [n for n in near] + [n[FLIP] for n in near]
    dist_sources = np.stack([np.linalg.norm(points - s[None], axis=-1) for s in sources])  # (sources, T, K)
    miss = types == MISS
    assert (dist_own[miss] >= (d50 * np.ones_like(dist_own))[miss] - eps).all()
    assert (dist_sources.min(0)[miss] <= np.broadcast_to(d10, miss.shape)[miss] + eps).all()
    # a miss lands around the own position with weight 1 and around each other valid source with weight 1/4
    paired = FLIP != np.arange(17)
    others = num_near + (paired & np.isin(FLIP, annotated)) + num_near * paired
    p_own = 1 / (1 + 0.25 * others)
    around_own = dist_own <= d10[None] + eps
    count, var = (p_own[None] * miss).sum(), ((p_own * (1 - p_own))[None] * miss).sum()
    assert abs(around_own[miss].sum() - count) <= 5 * np.sqrt(var) + 1e-9, \
        f'{regime}: {around_own[miss].sum()} misses around the own position, expected {count:.1f}'
    # inversion: within OKS 0.5 of the own symmetric joint; swap: of a near person's same or symmetric joint
    inversion = types == INVERSION
    assert (dist_sources[1][inversion] <= np.broadcast_to(d50, miss.shape)[inversion] + eps).all()
    swap = types == SWAP
    if num_near:
        assert (dist_sources[2:].min(0)[swap] <= np.broadcast_to(d50, miss.shape)[swap] + eps).all()


def test_impossible_types_are_renormalised_away():
    out = run(scene([0, 5, 6, 11, 13], num_near=0), trials=400)
    assert not (out['types'] == SWAP).any(), 'no near person: no swap'
    assert not (out['types'][:, 11] == INVERSION).any(), 'right hip (12) is not annotated: no inversion of 11'
    assert (out['types'][:, 12] == INVERSION).any(), 'left hip (11) is annotated: 12 can be inverted'
    assert not (out['types'][:, 0] == INVERSION).any(), 'the nose has no symmetric joint'

    # both hips annotated at the same pixel: a point within any radius of one is as close to the other, so
    # jitter, good and inversion all fail and only the miss (far from both) is left
    gt = GRID.copy()
    gt[12] = gt[11]
    out = run(scene(list(range(17)), gt=gt), trials=200)
    assert (out['types'][:, [11, 12]] == MISS).all()
    assert (out['valid'][:, [11, 12]] == 1).all()


def test_joints_without_any_source_get_no_input_point():
    # not annotated and no estimate (PoseFixCocoDataset with estimated_results_file=None)
    out = SynthesizePoseErrors(seed=0)(scene([0, 5, 6], estimate_visible=False))
    missing = np.setdiff1d(np.arange(17), [0, 5, 6])
    assert (out['input_error_types'][missing] == INVALID).all()
    assert (out['input_keypoints_visible'][0, missing] == 0).all()
    assert (out['input_keypoints'][0, missing] == 0).all()
    assert (out['input_keypoints_visible'][0, [0, 5, 6]] == 1).all()


def test_annotated_joints_outside_the_crop_start_from_the_estimate():
    gt = GRID.copy()
    gt[[13, 14, 15, 16]] = -500.0  # knees and ankles left the crop: as not annotated, the estimate is the source
    out = run(scene(list(range(17)), gt=gt), trials=200)
    dist_estimate = np.linalg.norm(out['points'][:, 13:] - ESTIMATE[13:], axis=-1)
    assert (dist_estimate <= radius(0.1)[13:] + 1e-6).all()
    assert (out['types'][:, 13:] != INVERSION).all()  # their partners left the crop too


def test_area_is_the_box_area_after_the_crop_transform():
    # the crop maps 2 image pixels to 1 (input_scale = 2 x input_size): the box covers a quarter of the area
    out = run(scene(list(range(17)), input_scale=2 * INPUT), trials=300)
    box_area = 100.0 * 100.0 / 4
    good = out['types'] == GOOD
    dist = np.linalg.norm(out['points'] - GRID[None], axis=-1)
    bound = np.broadcast_to(radius(0.85, box_area), dist.shape)
    assert (dist[good] <= bound[good] + 1e-6).all()
    assert (dist[good] / bound[good]).max() > 0.9  # the full ring of the scaled area is used, no smaller one


def test_instances_are_reduced_to_the_ground_truth_and_outputs_typed():
    results = scene([0, 5, 6, 11, 13], num_near=2)
    gt = results['keypoints'][:1].copy()
    out = SynthesizePoseErrors(seed=1)(results)
    assert out['input_keypoints'].shape == (1, 17, 2) and out['input_keypoints'].dtype == np.float32
    assert out['input_keypoints_visible'].shape == (1, 17) and out['input_keypoints_visible'].dtype == np.float32
    assert out['input_error_types'].shape == (17,)
    for key in ('keypoints', 'keypoints_visible', 'transformed_keypoints', 'keypoints_visible_weights'):
        assert out[key].shape[0] == 1, key
    np.testing.assert_array_equal(out['keypoints'], gt)


def test_seeded_and_global_rng_are_reproducible():
    a = SynthesizePoseErrors(seed=5)(scene([0, 5, 6], 1))['input_keypoints']
    b = SynthesizePoseErrors(seed=5)(scene([0, 5, 6], 1))['input_keypoints']
    np.testing.assert_array_equal(a, b)
    np.random.seed(11)
    c = SynthesizePoseErrors()(scene([0, 5, 6], 1))['input_keypoints']
    np.random.seed(11)
    d = SynthesizePoseErrors()(scene([0, 5, 6], 1))['input_keypoints']
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, c)


def test_samples_from_another_dataset_are_refused():
    results = scene([0, 5, 6], 1)
    del results['num_near_instances']
    with pytest.raises(KeyError, match='PoseFixCocoDataset.*num_near_instances'):
        SynthesizePoseErrors()(results)
    results = scene([0, 5, 6], 1)
    results['num_near_instances'] = 2
    with pytest.raises(ValueError, match=r'scene.jpg.*2 \+ 2 instances'):
        SynthesizePoseErrors()(results)


def test_joint_groups_by_name():
    assert [joint_kind(n) for n in NAMES] == (['nose'] + ['eye'] * 2 + ['ear'] * 2 + ['shoulder'] * 2
                                              + ['elbow'] * 2 + ['wrist'] * 2 + ['hip'] * 2 + ['knee'] * 2
                                              + ['ankle'] * 2)
    crowdpose = parse_pose_metainfo(mmpose_metainfo('crowdpose.py'))
    names = [crowdpose['keypoint_id2name'][k] for k in range(14)]
    assert [joint_kind(n) for n in names[-2:]] == ['head', 'neck']  # top_head, neck
    with pytest.raises(ValueError, match="'tail_tip'.*joint_kinds"):
        joint_kind('tail_tip')
    assert joint_kind('tail_tip', {'tail_tip': 'hip'}) == 'hip'
    with pytest.raises(ValueError, match='not one of'):
        joint_kind('tail_tip', {'tail_tip': 'tail'})
