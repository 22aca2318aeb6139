"""HigherHRNetHead: reference layout and init, every DECONV option, loss on real targets, test-time aggregation."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.codecs import AssociativeEmbedding
from mmpose.datasets.transforms import PackPoseInputs
from mmpose.structures import PoseDataSample

from mmpose_ext.datasets.transforms.higherhrnet_transforms import GenerateHigherHRNetTargets, HigherHRNetHeatmapMask
from mmpose_ext.models.heads import HigherHRNetHead

K = 17


def make_head(**kwargs) -> HigherHRNetHead:
    cfg = dict(in_channels=32, num_keypoints=K,
               decoder=dict(type=AssociativeEmbedding, input_size=(64, 64), heatmap_size=(16, 16), sigma=2,
                            decode_keypoint_order=list(range(K)), decode_topk=5))
    cfg.update(kwargs)
    head = HigherHRNetHead(**cfg)
    head.init_weights()
    return head


def test_reference_layout_shapes_and_init():
    head = make_head()
    shapes = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert shapes['final_layers.0.weight'] == (34, 32, 1, 1)
    assert shapes['final_layers.1.weight'] == (17, 32, 1, 1)
    assert shapes['deconv_layers.0.0.0.weight'] == (66, 32, 4, 4)  # cat(feature 32, output 34)
    assert 'deconv_layers.0.0.1.running_mean' in shapes and 'deconv_layers.0.0.0.bias' not in shapes
    assert shapes['deconv_layers.0.4.0.conv2.weight'] == (32, 32, 3, 3)  # 4 BasicBlocks
    assert 'deconv_layers.0.5.0.conv1.weight' not in shapes
    assert head.final_layers[0].weight.std().item() == pytest.approx(0.001, rel=0.3)
    assert head.deconv_layers[0][0][0].weight.std().item() == pytest.approx(0.001, rel=0.3)
    out = head((torch.randn(2, 32, 16, 16), ))
    assert [tuple(o.shape) for o in out] == [(2, 34, 16, 16), (2, 17, 32, 32)]


def test_deconv_options():
    head = make_head(num_deconvs=2, deconv_out_channels=(16, 8), deconv_kernel_sizes=(4, 3), num_basic_blocks=1,
                     cat_output=(True, False), with_ae_loss=(True, False, True), final_conv_kernel=3,
                     tag_per_keypoint=False, tag_dim=2, loss=dict(type='HigherHRNetLoss', num_stages=3,
                                                                 with_heatmaps_loss=(True, True, True),
                                                                 heatmaps_loss_factor=(1., 1., 1.),
                                                                 push_loss_factor=(1., 1., 1.),
                                                                 pull_loss_factor=(1., 1., 1.)))
    out = head(torch.randn(1, 32, 8, 8))
    assert [tuple(o.shape) for o in out] == [(1, 19, 8, 8), (1, 17, 16, 16), (1, 19, 32, 32)]
    assert head.final_layers[0].kernel_size == (3, 3)
    assert head.deconv_layers[1][0][0].in_channels == 16  # no concat at stage 2
    with pytest.raises(ValueError, match='with_ae_loss'):
        make_head(num_deconvs=2, deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4), cat_output=(True, True))


def real_samples(head_input: int = 64, persons: int = 3, seed: int = 0):
    """Packed samples through the real target transforms."""
    rng = np.random.default_rng(seed)
    encoders = [dict(type=AssociativeEmbedding, input_size=(head_input, head_input), heatmap_size=(s, s), sigma=2)
                for s in (head_input // 4, head_input // 2)]
    gen = GenerateHigherHRNetTargets(encoder=encoders)
    samples = []
    for n in (persons, 0, 1):
        results = dict(img=np.zeros((head_input, head_input, 3), np.uint8), img_shape=(head_input, head_input),
                       input_size=(head_input, head_input),
                       keypoints=rng.uniform(-4, head_input + 4, (n, K, 2)).astype(np.float32),
                       keypoints_visible=(rng.random((n, K)) > 0.3).astype(np.float32),
                       invalid_segs=[[[0, 0, 20, 0, 20, 20, 0, 20]]], warp_mat=np.eye(2, 3, dtype=np.float32))
        results = HigherHRNetHeatmapMask()(gen(results))
        samples.append(PackPoseInputs()(results)['data_samples'])
    return samples


def test_loss_runs_on_real_targets_and_backpropagates():
    torch.manual_seed(0)
    head = make_head()
    samples = real_samples()
    assert samples[0].gt_instance_labels.keypoint_indices.shape == (3, K, 2)
    assert samples[0].gt_fields.heatmap_mask[0].shape == (16, 16)
    assert not samples[0].gt_fields.heatmap_mask[0][0, 0]  # the invalid region is masked
    feats = (torch.randn(3, 32, 16, 16, requires_grad=True), )
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_heatmap_0', 'loss_heatmap_1', 'loss_pull_0', 'loss_push_0'}
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in head.parameters())


def test_target_centres_truncate_and_skip_off_map_joints():
    enc = [dict(type=AssociativeEmbedding, input_size=(64, 64), heatmap_size=(16, 16), sigma=2)]
    kpts = np.array([[[10.9, 5.2], [-1.0, 3.0], [63.9, 63.9]] + [[0, 0]] * (K - 3)], np.float32)
    vis = np.zeros((1, K), np.float32)
    vis[0, :3] = 1
    out = GenerateHigherHRNetTargets(encoder=enc)(dict(keypoints=kpts, keypoints_visible=vis))
    idx = out['keypoint_indices'][0]
    assert idx[0].tolist() == [1 * 16 + 2, 1]  # int(5.2 / 4) = 1, int(10.9 / 4) = 2 (mmpose alone rounds to 3)
    assert idx[1, 1] == 0 and out['heatmaps'][0][1].max() == 0  # off the map: skipped
    assert idx[2].tolist() == [15 * 16 + 15, 1]
    rounded = GenerateHigherHRNetTargets(encoder=enc, center_mode='round')(dict(keypoints=kpts, keypoints_visible=vis))
    assert rounded['keypoint_indices'][0, 0].tolist() == [1 * 16 + 3, 1]
    with pytest.raises(ValueError, match='sigma'):
        GenerateHigherHRNetTargets(encoder=[dict(type=AssociativeEmbedding, input_size=(64, 64),
                                                 heatmap_size=(16, 16))])


def test_flip_back_is_an_involution_and_aggregation_modes_differ():
    head = make_head()
    flip_indices = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    out = head(torch.randn(2, 32, 8, 8))
    twice = head._flip_back(head._flip_back(out[0], 0, flip_indices), 0, flip_indices)
    torch.testing.assert_close(twice, out[0])
    official = head.aggregate_outputs(out, (32, 32), dict(aggregation='official'))
    old = head.aggregate_outputs(out, (32, 32), dict(aggregation='mmpose0x'))
    assert official[0].shape == old[0].shape == (2, K, 32, 32) and official[1].shape == (2, K, 32, 32)
    assert not torch.allclose(official[0], old[0])
    # at the 1/2 size without projection both ways are the same
    torch.testing.assert_close(head.aggregate_outputs(out, None, dict(aggregation='official'))[0],
                               head.aggregate_outputs(out, (16, 16), dict(aggregation='mmpose0x'))[0])


def test_predict_batch_with_flip_and_scales_in_input_pixels():
    torch.manual_seed(0)
    head = make_head().eval()
    samples = []
    for _ in range(2):
        s = PoseDataSample()
        s.set_metainfo(dict(flip_indices=list(range(K)), batch_input_shape=(64, 64)))
        samples.append(s)
    feats = torch.randn(2, 32, 16, 16)
    with torch.no_grad():
        # a strong peak for joint 0 at feature pixel (5, 7): heatmap channel 0 is driven by feature channel 0
        head.final_layers[0].weight.zero_()
        head.final_layers[0].bias.zero_()
        head.final_layers[0].weight[0, 0] = 1.0
        f = torch.zeros(2, 32, 16, 16)
        f[:, 0, 7, 5] = 5.0
        preds = head.predict([(f, ), (f.flip(-1), )], samples, dict(flip_test=True, project2image=True))
        multi = head.predict([[(f, ), (f.flip(-1), )], [(feats, ), (feats.flip(-1), )]], samples,
                             dict(flip_test=True, multiscale_test=True))
    assert len(preds) == 2 and isinstance(preds[0], InstanceData)
    assert preds[0].keypoints.shape[1:] == (K, 2) and preds[0].bbox_scores.shape == (len(preds[0].keypoints), )
    # joint 0 of the best pose lies near the peak's input position (4 * 5 + 1.5, 4 * 7 + 1.5)
    best = preds[0].keypoints[int(np.argmax(preds[0].keypoint_scores[:, 0]))][0]
    assert abs(best[0] - 21.5) <= 2.0 and abs(best[1] - 29.5) <= 2.0
    assert len(multi) == 2


def test_ideal_maps_decode_back_to_image_coordinates():
    """Maps with a peak at every projected joint and one tag value per person come back as the ground truth in
    original image pixels (HigherHRNetResize's metadata, the head's rescaling, the estimator's inverse)."""
    from mmpose.models.pose_estimators import BottomupPoseEstimator

    from mmpose_ext.datasets.transforms.higherhrnet_transforms import HigherHRNetResize
    rng = np.random.default_rng(0)
    img_w, img_h, persons = 300, 200, 3
    gt = np.stack([rng.uniform(20, 280, (persons, K)), rng.uniform(20, 180, (persons, K))], -1).astype(np.float32)
    results = HigherHRNetResize(input_size=(128, 128))(dict(img=np.zeros((img_h, img_w, 3), np.uint8),
                                                           ori_shape=(img_h, img_w)))
    in_w, in_h = results['input_size']
    assert (in_w, in_h) == (192, 128)  # short side 128, long side 128 * 1.5, a multiple of 64
    center, scale = results['input_scale'] / 2, results['input_scale']
    on_input = (gt - results['input_center'] + center) / scale * np.array([in_w, in_h])
    yy, xx = np.mgrid[0:in_h, 0:in_w]
    heatmaps = np.zeros((1, K, in_h, in_w), np.float32)
    tags = np.zeros((1, K, in_h, in_w), np.float32)
    for p in range(persons):
        for k in range(K):
            x, y = on_input[p, k]
            blob = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 8)
            heatmaps[0, k] = np.maximum(heatmaps[0, k], blob)
            tags[0, k][blob > 0.01] = 3.0 * p
    head = make_head()
    head.decoder.decode_keypoint_order = list(range(K))
    sample = PoseDataSample()
    sample.set_metainfo(dict(batch_input_shape=(in_h, in_w), input_size=results['input_size'],
                             input_center=results['input_center'], input_scale=results['input_scale']))
    preds = head.decode_maps(torch.from_numpy(heatmaps), torch.from_numpy(tags), [sample])
    out = BottomupPoseEstimator.add_pred_to_datasample(None, preds, None, [sample])[0].pred_instances
    assert len(out.keypoints) == persons
    order = np.argsort(out.keypoints[:, 0, 0])
    expected = gt[np.argsort(gt[:, 0, 0])]
    # within 1.5 original pixels (0.25 px refinement steps and integer peaks at 128/200 of the image scale)
    assert np.abs(out.keypoints[order] - expected).max() < 1.5
