"""Data transforms of the plugin; importing this package registers them into ``mmpose.registry.TRANSFORMS``."""
from .higherhrnet_transforms import (GenerateHigherHRNetTargets, HigherHRNetHeatmapMask, HigherHRNetRandomAffine,
                                     HigherHRNetResize, PackBottomupInputs)
from .multi_instance_target import GenerateMultiInstanceTarget
from .primary_half_body import PrimaryRandomHalfBody
from .random_channel_scale import RandomChannelScale
from .set_input_pose import POSEFIX_META_KEYS, SetInputPose
from .synthesize_pose_errors import SynthesizePoseErrors

__all__ = ['GenerateHigherHRNetTargets', 'GenerateMultiInstanceTarget', 'HigherHRNetHeatmapMask',
           'HigherHRNetRandomAffine', 'HigherHRNetResize', 'PackBottomupInputs', 'POSEFIX_META_KEYS',
           'PrimaryRandomHalfBody', 'RandomChannelScale', 'SetInputPose', 'SynthesizePoseErrors']
