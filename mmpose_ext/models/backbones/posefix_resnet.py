"""ResNet whose first convolution reads the image and K input-pose maps (PoseFix)."""
from __future__ import annotations

from typing import List

from mmengine.logging import print_log
from mmpose.models.backbones import ResNet
from mmpose.registry import MODELS
from torch import nn


@MODELS.register_module()
class PoseFixResNet(ResNet):
    """mmpose's ``ResNet`` with ``image_channels + num_pose_channels`` input channels.

    A checkpoint with an image-only first convolution (ImageNet ``torchvision://resnet50`` through
    ``init_cfg=dict(type='Pretrained', ...)``, or any mmpose pose checkpoint with ``prefix='backbone.'`` or
    ``load_from``) loads as is: a load hook widens its first-convolution weight so that the image channels
    get the checkpoint's weights and the pose channels keep their current (fresh) initialisation, and says
    so in the log. A checkpoint whose first convolution fits neither shape is refused with the key and both
    shapes, instead of mmengine's usual warning and skip.

    From `PoseFix: Model-agnostic General Human Pose Refinement Network` (Moon, Chang and Lee, CVPR 2019);
    the backbone is `Deep Residual Learning for Image Recognition` (He et al., CVPR 2016).

    Args:
        depth: 18, 34, 50, 101 or 152 (PoseFix: 50, 101, 152).
        num_pose_channels: K, the number of input-pose maps (17 for COCO, 14 for CrowdPose).
        image_channels: channels of the image part (3).
        **kwargs: the other arguments of mmpose's ``ResNet`` (``in_channels`` is derived and not accepted).
    """

    def __init__(self, depth: int, num_pose_channels: int = 17, image_channels: int = 3, **kwargs) -> None:
        if 'in_channels' in kwargs:
            raise TypeError('PoseFixResNet: set image_channels and num_pose_channels instead of in_channels')
        if num_pose_channels < 1:
            raise ValueError(f'PoseFixResNet: num_pose_channels must be >= 1, got {num_pose_channels}')
        super().__init__(depth=depth, in_channels=image_channels + num_pose_channels, **kwargs)
        self.image_channels = image_channels
        self.num_pose_channels = num_pose_channels
        self._register_load_state_dict_pre_hook(self._widen_first_conv)

    @property
    def first_conv(self) -> nn.Conv2d:
        """The convolution that reads the input."""
        return self.stem[0].conv if self.deep_stem else self.conv1

    @property
    def first_conv_key(self) -> str:
        """Its weight's name in this module's state dict."""
        return 'stem.0.conv.weight' if self.deep_stem else 'conv1.weight'

    def _widen_first_conv(self, state_dict: dict, prefix: str, local_metadata: dict, strict: bool,
                          missing_keys: List[str], unexpected_keys: List[str], error_msgs: List[str]) -> None:
        key = prefix + self.first_conv_key
        if key not in state_dict:
            return
        loaded = state_dict[key]
        current = self.first_conv.weight
        if loaded.shape == current.shape:
            return
        image_only = (current.shape[0], self.image_channels, *current.shape[2:])
        if tuple(loaded.shape) != image_only:
            raise ValueError(f'PoseFixResNet: checkpoint entry {key!r} has shape {tuple(loaded.shape)}; expected '
                             f'{tuple(current.shape)} (image + {self.num_pose_channels} pose channels) or '
                             f'{image_only} (image only)')
        widened = current.detach().to(device=loaded.device, dtype=loaded.dtype).clone()
        widened[:, :self.image_channels] = loaded
        state_dict[key] = widened
        print_log(f'PoseFixResNet: {key!r} loaded for the {self.image_channels} image channels from an '
                  f'image-only checkpoint; the {self.num_pose_channels} input-pose channels keep their '
                  'initialisation', logger='current')
