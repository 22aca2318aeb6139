"""The batched on-device MSRA decoding equals mmpose's per-sample numpy decoding, border rules and ties included."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmpose.codecs import MSRAHeatmap, UDPHeatmap

from mmpose_ext.models.heads.batched_heatmap_decode import batched_msra_decode


def _heatmaps(batch: int = 6, joints: int = 5, height: int = 8, width: int = 6) -> torch.Tensor:
    torch.manual_seed(0)
    maps = torch.rand(batch, joints, height, width)
    # maxima on every border and corner, a tie (the first one wins), a non-positive map (keypoint -1), and flat
    # neighbours (no shift)
    maps[0, 0] = 0
    maps[0, 0, 0, 0] = 2
    maps[0, 1] = 0
    maps[0, 1, height - 1, width - 1] = 2
    maps[0, 2] = 0
    maps[0, 2, 0, 3] = 2
    maps[0, 3] = 0
    maps[0, 3, 4, 1] = 2
    maps[0, 4] = 0
    maps[0, 4, 3, 2] = maps[0, 4, 5, 4] = 2
    maps[1, 0] = -maps[1, 0]
    maps[1, 1] = 0.5
    maps[1, 2] = 0
    maps[1, 2, 3, 3] = 1
    return maps


@pytest.mark.parametrize('dtype', [torch.float32, torch.float16, torch.bfloat16])
def test_equals_mmpose_per_sample_decode(dtype: torch.dtype):
    codec = MSRAHeatmap(input_size=(24, 32), heatmap_size=(6, 8), sigma=1)
    maps = _heatmaps().to(dtype)
    keypoints, scores = batched_msra_decode(maps, codec)
    for b in range(maps.shape[0]):
        expected_kpts, expected_scores = codec.decode(maps[b].float().numpy())
        np.testing.assert_array_equal(keypoints[b], expected_kpts)
        np.testing.assert_array_equal(scores[b], expected_scores)
    assert keypoints.dtype == np.float32 and scores.dtype == np.float32
    assert keypoints.shape == (6, 1, 5, 2) and scores.shape == (6, 1, 5)


def test_other_codecs_are_left_to_mmpose():
    maps = _heatmaps()
    assert batched_msra_decode(maps, MSRAHeatmap(input_size=(24, 32), heatmap_size=(6, 8), sigma=1,
                                                 unbiased=True)) is None
    assert batched_msra_decode(maps, UDPHeatmap(input_size=(24, 32), heatmap_size=(6, 8), sigma=1)) is None


def test_multi_instance_head_predicts_as_mmpose_decodes():
    """MultiInstanceHeatmapHead.predict with the batched decode gives mmpose's per-row results, grouped per crop."""
    from mmpose.models.heads import HeatmapHead
    from mmpose.testing import get_packed_inputs

    from mmpose_ext.models import MultiInstanceHeatmapHead
    codec = dict(type='MSRAHeatmap', input_size=(24, 32), heatmap_size=(6, 8), sigma=1)
    head = MultiInstanceHeatmapHead(num_instances=2, in_channels=4, out_channels=5, deconv_out_channels=None,
                                    decoder=codec).eval()
    plain = HeatmapHead(in_channels=4, out_channels=5, deconv_out_channels=None, decoder=codec).eval()
    plain.load_state_dict(head.state_dict())
    samples = get_packed_inputs(batch_size=3, num_keypoints=5, img_shape=(32, 24), input_size=(24, 32),
                                heatmap_size=(6, 8))['data_samples']
    feats = (torch.randn(6, 4, 8, 6), )
    with torch.no_grad():
        grouped = head.predict(feats, samples)
        rows = plain.predict(feats, samples)
    for b, crop in enumerate(grouped):
        np.testing.assert_array_equal(crop.keypoints, np.concatenate([rows[b].keypoints, rows[3 + b].keypoints]))
        np.testing.assert_array_equal(crop.keypoint_scores,
                                      np.concatenate([rows[b].keypoint_scores, rows[3 + b].keypoint_scores]))
        assert list(crop.instance_ids) == [0, 1]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_heatmap_pck_accuracy_equals_mmpose(seed: int):
    from mmpose.evaluation.functional import pose_pck_accuracy

    from mmpose_ext.models.heads.batched_heatmap_decode import heatmap_pck_accuracy
    torch.manual_seed(seed)
    output, target = torch.rand(8, 5, 16, 12), torch.rand(8, 5, 16, 12)
    target[:4] = output[:4] + 0.01 * torch.rand(4, 5, 16, 12)  # some hits
    target[5, 1] = 0  # an empty target map (location -1)
    mask = torch.rand(8, 5) > 0.3
    mask[:, 2] = False  # a keypoint without any sample: left out of the mean
    _, expected, _ = pose_pck_accuracy(output.numpy(), target.numpy(), mask.numpy(), thr=0.05)
    assert heatmap_pck_accuracy(output, target, mask).item() == pytest.approx(expected, abs=1e-12)
    assert heatmap_pck_accuracy(output, target, torch.zeros(8, 5, dtype=torch.bool)).item() == 0.0


def test_coordinate_pck_accuracy_equals_mmpose():
    """PoseFix's training accuracy on the device equals mmpose's numpy keypoint_pck_accuracy (norm_factor 1),
    with masked-out joints and a keypoint masked out in every sample."""
    from mmpose.evaluation.functional import keypoint_pck_accuracy

    from mmpose_ext.models.heads.batched_heatmap_decode import coordinate_pck_accuracy
    rng = np.random.default_rng(0)
    for _ in range(20):
        gt = rng.uniform(0, 1, size=(6, 5, 2)).astype(np.float32)
        pred = (gt + rng.normal(0, 0.05, size=gt.shape)).astype(np.float32)
        mask = rng.uniform(size=(6, 5)) > 0.3
        mask[:, 4] = False
        _, expected, _ = keypoint_pck_accuracy(pred, gt, mask, 0.05, np.ones((6, 2), dtype=np.float32))
        ours = coordinate_pck_accuracy(torch.from_numpy(pred), torch.from_numpy(gt), torch.from_numpy(mask))
        assert ours.dtype == torch.float64 and ours.item() == pytest.approx(expected, abs=1e-12)
    none = coordinate_pck_accuracy(torch.zeros(2, 3, 2), torch.ones(2, 3, 2), torch.zeros(2, 3, dtype=torch.bool))
    assert none.item() == 0.0  # mmpose's avg_acc when no joint counts
