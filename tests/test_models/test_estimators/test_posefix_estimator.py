"""PoseFix estimator: input-pose rendering, training with gradients everywhere, flip test and image coordinates."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.codecs import RegressionLabel
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.models import PoseDataPreprocessor
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_ext.datasets.common.metainfo import mmpose_metainfo
from mmpose_ext.models import PoseFix, PoseFixHead, PoseFixLoss, PoseFixResNet
from mmpose_ext.models.estimators.posefix_estimator import render_pose_gaussians

K = 17
W, H = 64, 96  # input size (w, h): multiples of ResNet's stride 32
COCO_FLIP = parse_pose_metainfo(mmpose_metainfo('coco.py'))['flip_indices']


def _model(sigma: float = 2.0, **kwargs) -> PoseFix:
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type=PoseFix, input_pose_sigma=sigma,
        data_preprocessor=dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type=PoseFixResNet, depth=18, num_pose_channels=K),
        head=dict(type=PoseFixHead, in_channels=512, out_channels=K, deconv_out_channels=(16, 16, 16),
                  loss=dict(type=PoseFixLoss), decoder=dict(type=RegressionLabel, input_size=(W, H))),
        test_cfg=dict(flip_test=True, shift_coords=True), **kwargs))
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def model() -> PoseFix:
    return _model()


def _sample(input_pose: np.ndarray, visible: np.ndarray, center=(W / 2, H / 2), scale=(W, H)) -> PoseDataSample:
    sample = PoseDataSample(metainfo=dict(
        id=0, img_path='crop.jpg', input_size=(W, H), input_center=np.array(center, dtype=np.float32),
        input_scale=np.array(scale, dtype=np.float32), flip_indices=COCO_FLIP,
        input_keypoints=input_pose[None].astype(np.float32), input_keypoints_visible=visible[None].astype(np.float32)))
    sample.gt_instances = InstanceData(bboxes=np.array([[0, 0, W, H]], dtype=np.float32),
                                       bbox_scores=np.array([0.7], dtype=np.float32))
    sample.gt_instance_labels = InstanceData(
        keypoint_labels=torch.as_tensor(input_pose[None] / (W, H), dtype=torch.float32),
        keypoint_weights=torch.as_tensor(visible[None], dtype=torch.float32))
    return sample


def _random_pose(seed: int):
    rng = np.random.RandomState(seed)
    pose = rng.uniform((4, 4), (W - 5, H - 5), size=(K, 2))
    visible = np.ones(K)
    visible[rng.choice(K, 3, replace=False)] = 0
    return pose, visible


def test_rendering_peaks_at_the_joint_with_the_given_sigma_and_is_zero_for_invalid_joints():
    points = torch.tensor([[[10.0, 7.0], [float('nan'), 3.0], [30.0, 2.0]]])
    maps = render_pose_gaussians(points, torch.tensor([[1.0, 0.0, 1.0]]), (W, H), sigma=3.0, peak=4.0)
    assert maps.shape == (1, 3, H, W)
    assert maps[0, 0, 7, 10] == pytest.approx(4.0) and maps[0, 0].argmax() == 7 * W + 10
    assert maps[0, 0, 7, 13] == pytest.approx(4.0 * math.exp(-0.5))   # one sigma away
    assert maps[0, 0, 13, 10] == pytest.approx(4.0 * math.exp(-2.0))  # two sigmas away
    assert maps[0, 1].abs().sum() == 0                                 # invalid (even with NaN): all zero
    assert maps[0, 2, 2, 30] == pytest.approx(4.0)


def test_default_peak_matches_the_image_normalisation():
    assert _model().input_pose_peak == pytest.approx(255 / np.mean([58.395, 57.12, 57.375]))
    assert _model(input_pose_peak=1.0).input_pose_peak == 1.0


def test_model_renders_the_sample_pose_in_input_pixels(model):
    pose, visible = _random_pose(0)
    inputs = torch.zeros(1, 3, H, W)
    maps = model.render_input_pose(inputs, [_sample(pose, visible)])
    expected = render_pose_gaussians(torch.as_tensor(pose[None], dtype=torch.float32),
                                     torch.as_tensor(visible[None], dtype=torch.float32), (W, H), 2.0,
                                     model.input_pose_peak)
    torch.testing.assert_close(maps, expected)
    assert (maps[0, visible == 0] == 0).all() and (maps[0, visible == 1].amax(dim=(-1, -2)) > 3).all()
    assert model.render_input_pose(inputs, None).abs().sum() == 0


def test_mirrored_maps_equal_the_rendered_mirrored_and_swapped_pose():
    pose, visible = _random_pose(1)
    maps = render_pose_gaussians(torch.as_tensor(pose[None]), torch.as_tensor(visible[None]), (W, H), 2.0, 1.0)
    flipped_pose = pose[COCO_FLIP].copy()
    flipped_pose[:, 0] = W - 1 - flipped_pose[:, 0]
    flipped = render_pose_gaussians(torch.as_tensor(flipped_pose[None]), torch.as_tensor(visible[COCO_FLIP][None]),
                                    (W, H), 2.0, 1.0)
    torch.testing.assert_close(maps.flip(-1)[:, COCO_FLIP], flipped)


def test_train_step_gives_every_parameter_a_gradient():
    model = _model()
    model.train()
    samples = [_sample(*_random_pose(seed)) for seed in (2, 3)]
    inputs = torch.randint(0, 255, (2, 3, H, W), dtype=torch.uint8)
    data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples), training=True)
    losses = model(**data, mode='loss')
    assert {'loss_heatmap', 'loss_coord', 'acc_pose'} <= set(losses)
    loss = losses['loss_heatmap'] + losses['loss_coord']
    assert torch.isfinite(loss)
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing
    # the pose channels of conv1 learn too
    assert model.backbone.conv1.weight.grad[:, 3:].abs().sum() > 0


def test_missing_input_pose_is_reported_with_the_image():
    model = _model()
    sample = _sample(*_random_pose(4))
    sample.set_metainfo(dict(img_path='bad.jpg'))
    del sample.input_keypoints
    with pytest.raises(KeyError, match='bad.jpg'):
        model(torch.zeros(1, 3, H, W), [sample], mode='loss')


def test_non_finite_valid_input_joint_is_reported_with_the_image():
    pose, visible = _random_pose(8)
    visible[4] = 1
    pose[4] = np.nan
    sample = _sample(pose, visible)
    sample.set_metainfo(dict(img_path='nan.jpg'))
    with pytest.raises(ValueError, match='nan.jpg.*non-finite'):
        _model().render_input_pose(torch.zeros(1, 3, H, W), [sample])


def test_head_and_backbone_joint_counts_must_agree():
    with pytest.raises(ValueError, match='num_pose_channels'):
        MODELS.build(dict(type=PoseFix, input_pose_sigma=2.0,
                          backbone=dict(type=PoseFixResNet, depth=18, num_pose_channels=14),
                          head=dict(type=PoseFixHead, in_channels=512, out_channels=K)))


def _symmetric_pose() -> tuple:
    """A pose equal to its own mirror image with left and right swapped."""
    rng = np.random.RandomState(5)
    pose = np.zeros((K, 2))
    visible = np.ones(K)
    for joint, partner in enumerate(COCO_FLIP):
        if joint == partner:
            pose[joint] = ((W - 1) / 2, rng.uniform(5, H - 5))
        elif joint < partner:
            pose[joint] = rng.uniform((3, 5), ((W - 1) / 2 - 2, H - 5))
            pose[partner] = (W - 1 - pose[joint, 0], pose[joint, 1])
    visible[[9, 10]] = 0  # a pair of missing wrists keeps the symmetry
    return pose, visible


def test_flip_test_of_a_symmetric_crop_gives_a_symmetric_pose():
    model = _model()
    with torch.no_grad():  # sharper maps than the 0.001-std init, so the output depends on the input
        for layer in model.head.modules():
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                layer.weight.normal_(0, 0.3)
    model.eval()
    pose, visible = _symmetric_pose()
    image = torch.randn(1, 3, H, W)
    image = (image + image.flip(-1)) / 2
    with torch.no_grad():
        (result, ) = model.predict(image, [_sample(pose, visible)])
    keypoints = result.pred_instances.keypoints[0]  # image == input crop here (centre W/2, H/2; scale W, H)
    np.testing.assert_allclose(keypoints[COCO_FLIP, 0], W - 1 - keypoints[:, 0], atol=1e-3)
    np.testing.assert_allclose(keypoints[COCO_FLIP, 1], keypoints[:, 1], atol=1e-3)
    assert keypoints[:, 0].std() > 0.5  # the joints differ: the symmetry is not that of a constant output
    # an asymmetric pose gives an asymmetric result, so the check above can fail
    asymmetric = pose.copy()
    asymmetric[:, 0] += 3
    with torch.no_grad():
        (result, ) = model.predict(image, [_sample(asymmetric, visible)])
    keypoints = result.pred_instances.keypoints[0]
    assert np.abs(keypoints[COCO_FLIP, 0] - (W - 1 - keypoints[:, 0])).max() > 1e-3


def test_predictions_are_in_image_coordinates_with_the_box_score(model):
    model.eval()
    pose, visible = _random_pose(6)
    image = torch.randn(1, 3, H, W)
    with torch.no_grad():
        (at_origin, ) = model.predict(image, [_sample(pose, visible)])
        (moved, ) = model.predict(image, [_sample(pose, visible, center=(W / 2 + 100, H / 2 + 50),
                                                  scale=(2 * W, 2 * H))])
    crop = at_origin.pred_instances.keypoints
    # crop pixel p maps to image pixel p * scale / input_size + centre - scale / 2
    np.testing.assert_allclose(moved.pred_instances.keypoints, crop * 2 + (100 - W / 2, 50 - H / 2), atol=1e-3)
    assert crop.shape == (1, K, 2) and moved.pred_instances.keypoint_scores.shape == (1, K)
    np.testing.assert_allclose(moved.pred_instances.bbox_scores, [0.7])


def test_tensor_mode_without_samples_runs_with_zero_pose_channels(model):
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, H, W), None, mode='tensor')
    assert out.shape == (2, K, H // 4, W // 4)


def test_input_that_is_not_a_multiple_of_the_stride_is_refused(model):
    model.eval()
    sample = _sample(*_random_pose(7))
    sample.set_metainfo(dict(input_size=(48, H)))
    with torch.no_grad(), pytest.raises(ValueError, match='multiple of the backbone stride'):
        model.predict(torch.zeros(1, 3, H, 48), [sample])
