from .multi_instance_target import GenerateMultiInstanceTarget
from .primary_half_body import PrimaryRandomHalfBody

__all__ = ['GenerateMultiInstanceTarget', 'PrimaryRandomHalfBody']
