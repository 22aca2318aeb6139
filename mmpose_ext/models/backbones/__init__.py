from .mipnet_hrnet import MIPNetHRNet
from .multi_instance_modulation import MultiInstanceModulation
from .posefix_resnet import PoseFixResNet
from .stacked_hourglass import StackedHourglass

__all__ = ['MIPNetHRNet', 'MultiInstanceModulation', 'PoseFixResNet', 'StackedHourglass']
