"""FastAssociativeEmbedding gives mmpose's AssociativeEmbedding poses: exactly with mmpose's Munkres as its solver,
and with linear_sum_assignment wherever the assignment has a unique optimum (ties are detected and checked)."""
from typing import List, Tuple

import numpy as np
import pytest
import torch
from mmpose.codecs import AssociativeEmbedding
from mmpose.codecs.associative_embedding import _py_max_match
from mmpose.codecs.utils import batch_heatmap_nms, refine_keypoints
from mmpose.registry import KEYPOINT_CODECS
from scipy.optimize import linear_sum_assignment

from mmpose_ext.codecs import FastAssociativeEmbedding
from mmpose_ext.codecs.ae_device_ops import fill_missing_keypoints_device, nms_topk, refine_candidates, window_max
from mmpose_ext.codecs.fast_associative_embedding import numpy_float32_mean, refine_keypoints_vectorised
from mmpose_ext.tools.grouping_benchmark import (MunkresFastAssociativeEmbedding, keypoint_order,
                                                 synthetic_ae_outputs)


def _random_case(K: int, L: int, seed: int, size: int = 24) -> Tuple[torch.Tensor, torch.Tensor]:
    """Unstructured maps: many candidates, tags spread so that some join groups and others open new ones."""
    g = torch.Generator().manual_seed(seed)
    heatmaps = torch.rand(2, K, size, size, generator=g) ** 3
    tags = torch.rand(2, L * K, size, size, generator=g) * 4
    return heatmaps, tags


def _cases(K: int, L: int) -> List[Tuple[str, torch.Tensor, torch.Tensor]]:
    seed = 10 * K + L
    cases = [('random', *_random_case(K, L, seed))]
    real = dict(num_keypoints=K, tag_dim=L, seed=seed)
    cases.append(('persons', *synthetic_ae_outputs(2, heatmap_size=(40, 40), persons=6, false_peaks=2, **real)))
    # well separated persons: no cost ties, whatever the munkres version, so these images must equal mmpose's
    cases.append(('separated persons', *synthetic_ae_outputs(2, heatmap_size=(40, 40), persons=6, false_peaks=0,
                                                             tag_spacing=3.0, **real)))
    cases.append(('close persons and missing joints', *synthetic_ae_outputs(
        2, heatmap_size=(32, 32), persons=8, false_peaks=1, missing=0.3, tag_spacing=1.0, **real)))
    # quantised values and noise-free tags: equal values, equal tags, groups sharing their key (first tag value)
    cases.append(('duplicated values and tags', *synthetic_ae_outputs(
        2, heatmap_size=(32, 32), persons=6, false_peaks=2, quantize=0.1, tag_noise=0.0, **real)))
    return cases


def _codec_cfg(K: int, heatmaps: torch.Tensor, topk: int = 10) -> dict:
    H, W = heatmaps.shape[2:]
    return dict(input_size=(4 * W, 4 * H), heatmap_size=(W, H), decode_topk=topk,
                decode_keypoint_order=keypoint_order(K))


def _same(a, b) -> bool:
    return all(np.array_equal(x, y) for la, lb in zip(a, b) for x, y in zip(la, lb))


CONFIGS = [(17, 1), (17, 2), (14, 1), (14, 2)]


@pytest.mark.parametrize('K,L', CONFIGS)
def test_identical_to_mmpose_with_its_munkres_solver(K, L):
    """Everything but the assignment solver (costs, thresholds, group keys, means, refine, filling, scores) is
    bit-identical to mmpose: with mmpose's Munkres call as the solver, the poses are exactly mmpose's."""
    for name, heatmaps, tags in _cases(K, L):
        cfg = _codec_cfg(K, heatmaps)
        ref = AssociativeEmbedding(**cfg).batch_decode(heatmaps, tags)
        out = MunkresFastAssociativeEmbedding(**cfg).batch_decode(heatmaps, tags)
        assert _same(ref, out), name
        assert sum(len(k) for k in ref[0]) > 0, name


class _TieRecorder(FastAssociativeEmbedding):
    """linear_sum_assignment as usual, compared step by step with mmpose's Munkres on the same cost matrix."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = self.ties = 0

    def _solve_assignment(self, cost):
        rows, cols = linear_sum_assignment(cost)
        pairs = _py_max_match(cost)
        self.steps += 1
        if not np.array_equal(cols, pairs[:, 1]):
            # a genuine tie: both assignments are optimal for the reference's cost
            np.testing.assert_allclose(cost[rows, cols].sum(), cost[pairs[:, 0], pairs[:, 1]].sum(),
                                       rtol=1e-12, atol=1e-6)
            self.ties += 1
        return rows, cols


@pytest.mark.parametrize('K,L', CONFIGS)
def test_same_poses_as_mmpose_unless_a_tie(K, L):
    """Default solver: every image without a tie has exactly mmpose's poses; every solver disagreement is a tie
    (equal optimal cost), where Munkres and linear_sum_assignment may pick different optimal assignments."""
    compared = differing_ties = 0
    for name, heatmaps, tags in _cases(K, L):
        cfg = _codec_cfg(K, heatmaps)
        mm = AssociativeEmbedding(**cfg)
        for b in range(len(heatmaps)):
            ref = mm.batch_decode(heatmaps[b:b + 1], tags[b:b + 1])
            fast = _TieRecorder(**cfg)
            out = fast.batch_decode(heatmaps[b:b + 1], tags[b:b + 1])
            assert fast.steps > 0, name
            if fast.ties == 0:
                assert _same(ref, out), name
                compared += 1
            else:
                differing_ties += not _same(ref, out)
    assert compared >= 1
    print(f'K={K} L={L}: {compared} images without a tie equal to mmpose, {differing_ties} with a tie differ')


def test_default_matches_mmpose_when_tags_are_well_separated():
    """With persons' tags 3 apart and no spurious peaks no cost ties arise: LSA gives mmpose's poses as is."""
    heatmaps, tags = synthetic_ae_outputs(3, 17, (48, 48), persons=8, false_peaks=0, tag_spacing=3.0, seed=3)
    cfg = _codec_cfg(17, heatmaps)
    ref = AssociativeEmbedding(**cfg).batch_decode(heatmaps, tags)
    out = FastAssociativeEmbedding(**cfg).batch_decode(heatmaps, tags)
    assert _same(ref, out)
    assert all(len(k) >= 6 for k in out[0])


def test_float32_mean_replays_numpy():
    rng = np.random.default_rng(0)
    for L in (1, 2, 3):
        for N in (5, 17, 24):
            stacked = (rng.standard_normal((40, N, L)) * rng.choice([1, 10, 1000], (40, 1, 1))).astype(np.float32)
            counts = rng.integers(1, N + 1, 40)
            counts[:N] = np.arange(1, N + 1)
            means = numpy_float32_mean(stacked, counts)
            ref = np.stack([np.mean(list(stacked[g, :c]), axis=0) for g, c in enumerate(counts)])
            assert means.dtype == np.float32 and np.array_equal(means, ref), (L, N)


def test_refine_matches_mmpose_including_borders():
    rng = np.random.default_rng(1)
    heatmaps = rng.random((5, 9, 11)).astype(np.float32)
    heatmaps[:, 3, :] = heatmaps[:, 4, :]  # equal neighbours: zero shift
    keypoints = np.stack([rng.integers(0, 11, (7, 5)), rng.integers(0, 9, (7, 5))], axis=-1).astype(np.float32)
    keypoints[0] = 0
    keypoints[1, :, 0], keypoints[2, :, 1] = 10, 8
    ref = refine_keypoints(keypoints.copy(), heatmaps)
    assert np.array_equal(refine_keypoints_vectorised(keypoints.copy(), heatmaps), ref)


def test_registry_batch_layouts_and_precision():
    heatmaps, tags = synthetic_ae_outputs(3, 14, (32, 32), persons=5, false_peaks=1, tag_dim=2, seed=5)
    codec = KEYPOINT_CODECS.build(dict(type='FastAssociativeEmbedding', **_codec_cfg(14, heatmaps)))
    assert isinstance(codec, FastAssociativeEmbedding) and isinstance(codec, AssociativeEmbedding)
    batch = codec.batch_decode(heatmaps, tags)
    assert len(batch) == 3 and all(len(x) == 3 for x in batch)
    for b in range(3):  # a batch (e.g. images padded to a common size) decodes image by image
        assert _same([[x[b]] for x in batch], codec.batch_decode(heatmaps[b:b + 1], tags[b:b + 1]))
    kpts, scores, inst = batch
    assert kpts[0].shape[1:] == (14, 2) and scores[0].shape[1:] == (14,) and inst[0].ndim == 1
    # (B, K, H, W, L) tags give the same poses as mmpose's (B, L*K, H, W) layout
    B, C, H, W = tags.shape
    tags5 = tags.view(B, 2, 14, H, W).permute(0, 2, 3, 4, 1)
    assert _same(batch, codec.batch_decode(heatmaps, tags5))
    # half-precision network outputs (AMP) decode in float32
    half = codec.batch_decode(heatmaps.half(), tags.half())
    assert all(k.dtype == np.float32 for k in half[0]) and len(half[0][0]) > 0
    # no candidate above the threshold: no person
    empty = codec.batch_decode(torch.zeros_like(heatmaps), tags)
    assert all(k.shape == (0, 14, 2) for k in empty[0])


@pytest.mark.parametrize('L', [1, 2])
def test_device_fill_and_candidate_refine_equal_mmpose(L):
    """The missing-joint fill (cost maps as torch ops, argmin per missing joint) and the refinement of the top-k
    candidates before grouping are bit-identical to mmpose's NumPy loops, ties included (quantised heatmaps and
    tags make many equal costs, so the first-pixel rule decides)."""
    rng = np.random.default_rng(L)
    N, K, H, W = 6, 5, 13, 17
    heatmaps = (np.round(rng.random((K, H, W)) * 8) / 8).astype(np.float32)
    tags = (np.round(rng.random((L * K, H, W)) * 6) / 2).astype(np.float32)
    keypoints = np.stack([rng.integers(0, W, (N, K)), rng.integers(0, H, (N, K))], -1).astype(np.float32)
    keypoints += rng.choice([-0.25, 0.25, 0.5, 0.75], (N, K, 2)).astype(np.float32)
    scores = rng.random((N, K)).astype(np.float32) * (rng.random((N, K)) > 0.4)
    scores[0] = 0.5  # an instance without a missing joint
    scores[1, 1:] = 0  # one with a single detected joint
    scores[:, 0] = np.maximum(scores[:, 0], 0.25)  # every instance has a detected joint (a group has one)
    mm = AssociativeEmbedding(input_size=(4 * W, 4 * H), heatmap_size=(W, H))
    ref = mm._fill_missing_keypoints(keypoints.copy(), scores.copy(), heatmaps, tags)
    for chunk in (1 << 20, 2 * H * W):  # one block, and blocks of two cost maps
        out = fill_missing_keypoints_device(keypoints.copy(), scores.copy(), torch.from_numpy(heatmaps),
                                            torch.from_numpy(tags), max_elements=chunk)
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(ref, out))
    # refinement of every pixel as a candidate, borders included
    locs = torch.stack(torch.meshgrid(torch.arange(W), torch.arange(H), indexing='xy'), -1).reshape(1, 1, -1, 2)
    refined = refine_candidates(torch.from_numpy(heatmaps)[None], locs.expand(1, K, -1, -1).contiguous())
    expected = refine_keypoints(locs[0].expand(K, -1, -1).transpose(0, 1).numpy().astype(np.float32), heatmaps)
    assert np.array_equal(refined[0].transpose(0, 1).numpy(), expected)
    # NMS and top-k in blocks of maps give mmpose's candidates (equal values included)
    hm, tg = torch.from_numpy(heatmaps)[None].repeat(2, 1, 1, 1), torch.from_numpy(tags)[None].repeat(2, 1, 1, 1)
    hm[1] = hm[1].flip(-1)
    ref = mm._get_batch_topk(batch_heatmap_nms(hm, 5), tg, k=12)
    for block in (H * W, 3 * H * W, 1 << 20):
        out = nms_topk(hm, tg, 5, 12, max_elements=block)
        assert all(torch.equal(a, b) for a, b in zip(ref, out)), block
    for kernel in (3, 5, 7):
        assert torch.equal(window_max(hm, kernel), torch.nn.functional.max_pool2d(hm, kernel, 1, kernel // 2))
