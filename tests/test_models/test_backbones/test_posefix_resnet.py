"""PoseFixResNet: 3 + K input channels, and first-convolution surgery when loading 3-channel checkpoints."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.runner import load_checkpoint
from mmpose.models.backbones import ResNet
from mmpose.registry import MODELS

from mmpose_ext.models.backbones.posefix_resnet import PoseFixResNet

K = 17


@pytest.fixture(scope='module')
def image_resnet() -> ResNet:
    """A 3-channel ResNet-18 with non-default weights everywhere (stands in for ImageNet weights)."""
    torch.manual_seed(1)
    net = ResNet(depth=18)
    with torch.no_grad():
        for value in net.state_dict().values():
            if value.is_floating_point():
                value.uniform_(0.5, 1.5)
    return net


def _fresh(**kwargs) -> PoseFixResNet:
    torch.manual_seed(2)
    return MODELS.build(dict(type='PoseFixResNet', depth=18, num_pose_channels=K, **kwargs))


def _assert_surgery(model: PoseFixResNet, before: torch.Tensor, image_resnet: ResNet) -> None:
    loaded = image_resnet.state_dict()
    weight = model.conv1.weight.detach()
    assert weight.shape == (64, 3 + K, 7, 7)
    torch.testing.assert_close(weight[:, :3], loaded['conv1.weight'])
    # the pose channels keep their initialisation: not zeroed, not copies of the image channels
    torch.testing.assert_close(weight[:, 3:], before[:, 3:])
    assert weight[:, 3:].abs().sum() > 0
    assert not torch.isclose(weight[:, 3:6], loaded['conv1.weight']).all()
    ours = model.state_dict()
    others = [key for key in loaded if key != 'conv1.weight']
    assert others and all(torch.equal(ours[key], loaded[key]) for key in others)


def test_forward_takes_image_and_pose_channels():
    model = _fresh()
    out = model(torch.randn(1, 3 + K, 64, 48))
    assert out[-1].shape == (1, 512, 2, 2)
    with pytest.raises(RuntimeError):
        model(torch.randn(1, 3, 64, 48))


def test_in_channels_cannot_be_given():
    with pytest.raises(TypeError, match='num_pose_channels'):
        PoseFixResNet(depth=18, in_channels=20)


def test_pretrained_image_checkpoint_fills_the_image_channels_only(tmp_path: Path, image_resnet: ResNet):
    ckpt = tmp_path / 'imagenet.pth'
    torch.save(image_resnet.state_dict(), ckpt)
    model = _fresh(init_cfg=dict(type='Pretrained', checkpoint=str(ckpt)))
    before = model.conv1.weight.detach().clone()
    model.init_weights()
    _assert_surgery(model, before, image_resnet)


def test_pose_checkpoint_backbone_prefix_is_widened_too(tmp_path: Path, image_resnet: ResNet):
    ckpt = tmp_path / 'pose.pth'
    state = {f'backbone.{k}': v for k, v in image_resnet.state_dict().items()}
    state['head.final_layer.weight'] = torch.zeros(17, 256, 1, 1)
    torch.save(dict(state_dict=state, meta=dict()), ckpt)
    model = _fresh(init_cfg=dict(type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
    before = model.conv1.weight.detach().clone()
    model.init_weights()
    _assert_surgery(model, before, image_resnet)


def test_whole_model_load_from_widens_the_nested_backbone(tmp_path: Path, image_resnet: ResNet):
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in image_resnet.state_dict().items()}), ckpt)
    wrapper = torch.nn.Module()
    wrapper.backbone = _fresh()
    before = wrapper.backbone.conv1.weight.detach().clone()
    load_checkpoint(wrapper, str(ckpt), map_location='cpu')
    _assert_surgery(wrapper.backbone, before, image_resnet)


def test_full_width_checkpoint_loads_unchanged(tmp_path: Path):
    source = _fresh()
    with torch.no_grad():
        source.conv1.weight.normal_()
    ckpt = tmp_path / 'posefix.pth'
    torch.save(source.state_dict(), ckpt)
    model = _fresh()
    load_checkpoint(model, str(ckpt), map_location='cpu', strict=True)
    torch.testing.assert_close(model.conv1.weight, source.conv1.weight)


def test_deep_stem_first_convolution_is_widened(tmp_path: Path):
    torch.manual_seed(3)
    image_net = ResNet(depth=18, deep_stem=True)
    ckpt = tmp_path / 'deep_stem.pth'
    torch.save(image_net.state_dict(), ckpt)
    model = _fresh(deep_stem=True)
    before = model.stem[0].conv.weight.detach().clone()
    load_checkpoint(model, str(ckpt), map_location='cpu', strict=True)
    weight = model.stem[0].conv.weight.detach()
    torch.testing.assert_close(weight[:, :3], image_net.stem[0].conv.weight)
    torch.testing.assert_close(weight[:, 3:], before[:, 3:])


def test_first_convolution_of_another_width_is_refused_with_its_key(tmp_path: Path):
    ckpt = tmp_path / 'five.pth'
    torch.save(dict(state_dict=ResNet(depth=18, in_channels=5).state_dict()), ckpt)
    with pytest.raises(ValueError, match=r"'conv1.weight' has shape \(64, 5, 7, 7\)"):
        load_checkpoint(_fresh(), str(ckpt), map_location='cpu')
