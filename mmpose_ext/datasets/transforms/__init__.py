from .multi_instance_target import GenerateMultiInstanceTarget
from .primary_half_body import PrimaryRandomHalfBody

__all__ = ['GenerateMultiInstanceTarget', 'PrimaryRandomHalfBody']

from .set_input_pose import POSEFIX_META_KEYS, SetInputPose  # noqa: E402  (PoseFix test-time input pose)

__all__ += ['POSEFIX_META_KEYS', 'SetInputPose']

from .synthesize_pose_errors import SynthesizePoseErrors  # noqa: E402  (PoseFix training-time input pose)

__all__ += ['SynthesizePoseErrors']

from .random_channel_scale import RandomChannelScale  # noqa: E402  (FPD unlabeled images colour jitter)

__all__ += ['RandomChannelScale']
