from .mipnet_estimator import MIPNetEstimator
from .posefix import PoseFix

__all__ = ['MIPNetEstimator', 'PoseFix']
