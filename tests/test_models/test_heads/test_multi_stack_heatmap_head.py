"""MultiStackHeatmapHead: every stack is supervised, only the last is decoded, flip test as mmpose's HeatmapHead."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmpose.codecs import MSRAHeatmap
from mmpose.models import HeatmapHead, KeypointMSELoss, PoseDataPreprocessor, TopdownPoseEstimator
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import MODELS
from mmpose.testing import get_packed_inputs

from mmpose_ext.models import MultiStackHeatmapHead

K, SIZE = 4, (16, 16)
CODEC = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=SIZE, sigma=2)
FLIP_INDICES = [1, 0, 3, 2]


def head(num_stacks: int = 3, **kwargs) -> MultiStackHeatmapHead:
    return MultiStackHeatmapHead(num_stacks=num_stacks, out_channels=K, decoder=CODEC, **kwargs)


def samples(batch_size: int = 2):
    packed = get_packed_inputs(batch_size=batch_size, num_keypoints=K, img_shape=(64, 64), input_size=(64, 64),
                               heatmap_size=SIZE, with_heatmap=True, with_reg_label=False, with_simcc_label=False)
    data_samples = packed['data_samples']
    for sample in data_samples:
        sample.set_metainfo(dict(flip_indices=FLIP_INDICES))
    # one joint without a label, so that the target weights matter
    data_samples[0].gt_instance_labels.keypoint_weights[0, 2] = 0
    return data_samples


def stacks(num_stacks: int = 3, batch_size: int = 2, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return tuple(torch.rand(batch_size, K, *SIZE[::-1], generator=generator) for _ in range(num_stacks))


def test_forward_returns_the_stacks_unchanged():
    feats = stacks()
    out = head().forward(feats)
    assert isinstance(out, list) and len(out) == 3
    assert all(a is b for a, b in zip(out, feats))


def test_every_stack_is_supervised_against_the_same_target():
    data_samples = samples()
    feats = tuple(f.requires_grad_() for f in stacks())
    losses = head().loss(feats, data_samples)
    loss_module = KeypointMSELoss(use_target_weight=True)
    target = torch.stack([d.gt_fields.heatmaps for d in data_samples])
    weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in data_samples])
    expected = [loss_module(f, target, weights) for f in feats]
    torch.testing.assert_close(losses['loss_kpt'], sum(expected))
    for k, value in enumerate(expected):
        torch.testing.assert_close(losses[f'stack{k}_kpt'], value.detach())
        assert 'loss' not in f'stack{k}_kpt' and not losses[f'stack{k}_kpt'].requires_grad
    # on the device (no per-step host copy), equal to mmpose's numpy pose_pck_accuracy of the last stack
    from mmpose.evaluation.functional import pose_pck_accuracy
    _, expected_acc, _ = pose_pck_accuracy(feats[-1].detach().numpy(), target.numpy(), weights.numpy() > 0)
    assert losses['acc_pose'].item() == pytest.approx(expected_acc, abs=1e-12)
    losses['loss_kpt'].backward()
    for k, f in enumerate(feats):
        assert f.grad is not None and f.grad.abs().sum() > 0, f'stack {k} got no gradient'
        # the unlabelled joint of the first sample gets no gradient in any stack
        assert f.grad[0, 2].abs().sum() == 0


def test_only_the_last_stack_affects_predictions():
    data_samples, feats = samples(), stacks()
    reference = head().predict(feats, data_samples)
    others_changed = tuple(torch.rand_like(f) for f in feats[:-1]) + (feats[-1], )
    same = head().predict(others_changed, data_samples)
    for a, b in zip(reference, same):
        np.testing.assert_array_equal(a.keypoints, b.keypoints)
        np.testing.assert_array_equal(a.keypoint_scores, b.keypoint_scores)
    last_changed = feats[:-1] + (torch.flip(feats[-1], dims=[-1]), )
    moved = head().predict(last_changed, data_samples)
    assert any(not np.array_equal(a.keypoints, b.keypoints) for a, b in zip(reference, moved))


@pytest.mark.parametrize('flip_mode,shift', [('heatmap', True), ('heatmap', False)])
def test_flip_test_decodes_as_mmpose_heatmap_head(flip_mode, shift):
    data_samples = samples()
    feats, flipped = stacks(seed=0), stacks(seed=1)
    test_cfg = dict(flip_test=True, flip_mode=flip_mode, shift_heatmap=shift, output_heatmaps=True)
    preds, fields = head().predict([feats, flipped], data_samples, test_cfg)
    # mmpose's HeatmapHead without layers reads the last of its input features: the same decoding path
    reference = HeatmapHead(in_channels=K, out_channels=K, deconv_out_channels=None, final_layer=None,
                            decoder=CODEC)
    ref_preds, ref_fields = reference.predict([feats, flipped], data_samples, test_cfg)
    for a, b in zip(preds, ref_preds):
        np.testing.assert_allclose(a.keypoints, b.keypoints)
    for a, b in zip(fields, ref_fields):
        torch.testing.assert_close(a.heatmaps, b.heatmaps)


def test_flip_test_of_a_mirrored_input_keeps_the_plain_prediction():
    data_samples, feats = samples(), stacks()
    mirrored = tuple(flip_heatmaps(f, flip_mode='heatmap', flip_indices=FLIP_INDICES, shift_heatmap=False)
                     for f in feats)
    plain = head().predict(feats, data_samples)
    flipped = head().predict([feats, mirrored], data_samples, dict(flip_test=True, shift_heatmap=False))
    for a, b in zip(plain, flipped):
        np.testing.assert_allclose(a.keypoints, b.keypoints)


def test_mismatches_are_refused():
    with pytest.raises(ValueError, match='num_stacks'):
        head(num_stacks=2).forward(stacks(3))
    with pytest.raises(ValueError, match='out_channels'):
        MultiStackHeatmapHead(num_stacks=1, out_channels=K + 1).forward(stacks(1))
    with pytest.raises(ValueError, match='targets'):
        head(num_stacks=1).loss((torch.rand(2, K, 8, 8), ), samples())


def test_trains_and_predicts_in_a_topdown_estimator():
    model = MODELS.build(dict(
        type=TopdownPoseEstimator,
        data_preprocessor=dict(type=PoseDataPreprocessor, mean=[0, 0, 0], std=[255, 255, 255]),
        backbone=dict(type='StackedHourglass', num_stacks=2, channels=32, depth=2, out_channels=K),
        head=dict(type='MultiStackHeatmapHead', num_stacks=2, out_channels=K, decoder=CODEC),
        test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)))
    packed = get_packed_inputs(batch_size=2, num_keypoints=K, img_shape=(64, 64), input_size=(64, 64),
                               heatmap_size=SIZE, with_heatmap=True, with_reg_label=False, with_simcc_label=False)
    for sample in packed['data_samples']:
        sample.set_metainfo(dict(flip_indices=FLIP_INDICES))
    data = model.data_preprocessor(packed, training=True)
    losses = model(**data, mode='loss')
    assert set(losses) >= {'loss_kpt', 'stack0_kpt', 'stack1_kpt', 'acc_pose'}
    losses['loss_kpt'].backward()
    assert all(p.grad is not None for p in model.backbone.scores[0].parameters())
    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(packed, training=False), mode='predict')
    assert len(results) == 2 and results[0].pred_instances.keypoints.shape == (1, K, 2)
    assert isinstance(model.head.decoder, MSRAHeatmap)
