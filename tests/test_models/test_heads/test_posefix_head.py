"""PoseFix head: soft-argmax read-out, losses from RegressionLabel targets, decoding and flip test."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.codecs import RegressionLabel
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_ext.models.heads.posefix_head import PoseFixHead, soft_argmax_2d
from mmpose_ext.models.losses.posefix_loss import bilinear_onehot_target

FLIP_INDICES = [0, 2, 1]  # joint 0 in the middle, 1 and 2 a left/right pair


def _sample(labels: np.ndarray, weights: np.ndarray, input_size=(24, 32)) -> PoseDataSample:
    sample = PoseDataSample(metainfo=dict(input_size=input_size, flip_indices=FLIP_INDICES))
    sample.gt_instance_labels = InstanceData(keypoint_labels=torch.as_tensor(labels, dtype=torch.float32),
                                             keypoint_weights=torch.as_tensor(weights, dtype=torch.float32))
    return sample


def _readout_head(input_size=(24, 32)) -> PoseFixHead:
    """No layers: the features are the logits, so tests can hand-make the maps."""
    return PoseFixHead(in_channels=3, out_channels=3, deconv_out_channels=None, final_layer=None,
                       decoder=dict(type=RegressionLabel, input_size=input_size))


def _logits_at(points_px: torch.Tensor, map_size) -> torch.Tensor:
    """Logits whose softmax is the bilinear split of each point: its soft-argmax is the point."""
    return torch.log(bilinear_onehot_target(points_px, map_size) + 1e-12)


def test_soft_argmax_of_a_delta_is_its_position():
    logits = torch.full((1, 2, 6, 8), -1e4)
    logits[0, 0, 2, 5] = 0
    logits[0, 1, 5, 0] = 0
    coords, probs = soft_argmax_2d(logits)
    torch.testing.assert_close(coords, torch.tensor([[[5.0, 2.0], [0.0, 5.0]]]))
    torch.testing.assert_close(probs.sum(dim=(-1, -2)), torch.ones(1, 2))


def test_soft_argmax_of_a_flat_map_is_the_centre_and_of_a_split_point_is_the_point():
    coords, _ = soft_argmax_2d(torch.zeros(1, 1, 6, 8))
    torch.testing.assert_close(coords, torch.tensor([[[3.5, 2.5]]]))
    point = torch.tensor([[[2.3, 4.6]]])
    coords, _ = soft_argmax_2d(_logits_at(point, (8, 6)))
    torch.testing.assert_close(coords, point)


def test_simplebaseline_layers_give_maps_at_a_quarter_of_the_input_and_a_loss_with_gradients():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='PoseFixHead', in_channels=16, out_channels=3, deconv_out_channels=(8, 8, 8),
                             decoder=dict(type=RegressionLabel, input_size=(48, 64))))
    head.init_weights()
    assert [type(m).__name__ for m in head.deconv_layers][:3] == ['ConvTranspose2d', 'BatchNorm2d', 'ReLU']
    feats = (torch.randn(2, 16, 2, 2, requires_grad=True), )  # 1/32 of a 64x64 input
    assert head(feats).shape == (2, 3, 16, 16)
    labels = np.random.RandomState(0).rand(1, 3, 2)
    samples = [_sample(labels, np.ones((1, 3)), (64, 64)), _sample(labels, np.array([[1, 0, 1]]), (64, 64))]
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_heatmap', 'loss_coord', 'acc_pose'}
    # computed on the device, equal to mmpose's numpy keypoint_pck_accuracy of the normalised coordinates
    from mmpose.evaluation.functional import keypoint_pck_accuracy

    from mmpose_ext.models.heads.posefix_head import soft_argmax_2d
    coords = soft_argmax_2d(head(feats))[0].detach() / 16
    gt = torch.cat([s.gt_instance_labels.keypoint_labels for s in samples]).numpy()
    mask = torch.cat([s.gt_instance_labels.keypoint_weights for s in samples]).numpy() > 0
    _, expected, _ = keypoint_pck_accuracy(coords.numpy(), gt, mask, 0.05, np.ones((2, 2), dtype=np.float32))
    assert losses['acc_pose'].item() == pytest.approx(expected, abs=1e-12)
    (losses['loss_heatmap'] + losses['loss_coord']).backward()
    assert all(p.grad is not None for p in head.parameters() if p.requires_grad)


def test_loss_targets_are_the_codec_labels_in_map_pixels():
    head = _readout_head()
    labels = np.array([[[0.25, 0.5], [0.75, 0.125], [0.5, 0.5]]])  # fractions of the input (24 x 32 input)
    map_px = torch.as_tensor(labels, dtype=torch.float32) * torch.tensor([6.0, 8.0])  # a 6 x 8 map
    losses = head.loss((_logits_at(map_px, (6, 8)), ), [_sample(labels, np.ones((1, 3)))])
    assert losses['loss_coord'].item() == pytest.approx(0, abs=1e-5)
    assert losses['acc_pose'].item() == 1


def test_more_than_one_target_pose_per_crop_is_refused():
    head = _readout_head()
    with pytest.raises(ValueError, match='exactly one target pose'):
        head.loss((torch.zeros(1, 3, 8, 6), ), [_sample(np.zeros((2, 3, 2)), np.ones((2, 3)))])


def test_maps_that_do_not_cover_the_input_at_one_ratio_are_refused():
    head = _readout_head()
    with pytest.raises(ValueError, match='one integer ratio'):  # a 48 x 64 input: 12 x 16 maps, not 16 x 16
        head.loss((torch.zeros(1, 3, 16, 16), ), [_sample(np.zeros((1, 3, 2)), np.ones((1, 3)), (48, 64))])


def test_predict_decodes_to_input_pixels_and_flip_test_averages_coordinates():
    input_size = (24, 32)  # (w, h); the map is 6 x 8
    head = _readout_head(input_size)
    joints_px = torch.tensor([[[11.0, 5.0], [3.0, 20.5], [17.5, 21.0]]])  # in input pixels
    logits = _logits_at(joints_px / 4, (6, 8))
    samples = [_sample(np.zeros((1, 3, 2)), np.ones((1, 3)), input_size)]
    (pred, ) = head.predict((logits, ), samples, test_cfg=dict(flip_test=False))
    np.testing.assert_allclose(pred.keypoints, joints_px.numpy(), atol=1e-3)

    # a flipped crop shows joint j where the mirror (x' = W - 1 - x) of joint flip_indices[j] was
    mirrored = joints_px[:, FLIP_INDICES].clone()
    mirrored[..., 0] = input_size[0] - 1 - mirrored[..., 0]
    flip_feats = [(logits, ), (_logits_at(mirrored / 4, (6, 8)), )]
    (pred, ) = head.predict(flip_feats, samples, test_cfg=dict(flip_test=True))
    np.testing.assert_allclose(pred.keypoints, joints_px.numpy(), atol=1e-3)

    # the average moves halfway when the flipped crop disagrees by 2 px in x
    shifted = mirrored.clone()
    shifted[..., 0] -= 2
    (pred, ) = head.predict([(logits, ), (_logits_at(shifted / 4, (6, 8)), )], samples, dict(flip_test=True))
    np.testing.assert_allclose(pred.keypoints[..., 0], joints_px[..., 0].numpy() + 1, atol=1e-3)


def test_predict_can_return_the_probability_maps():
    head = _readout_head()
    logits = torch.randn(2, 3, 8, 6)
    samples = [_sample(np.zeros((1, 3, 2)), np.ones((1, 3))) for _ in range(2)]
    preds, fields = head.predict((logits, ), samples, dict(flip_test=False, output_heatmaps=True))
    assert len(preds) == len(fields) == 2
    torch.testing.assert_close(fields[0].heatmaps.sum(dim=(-1, -2)), torch.ones(3))
