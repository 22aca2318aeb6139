from .mipnet_hrnet import MIPNetHRNet
from .multi_instance_modulation import MultiInstanceModulation

__all__ = ['MIPNetHRNet', 'MultiInstanceModulation']
