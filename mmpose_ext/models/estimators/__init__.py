from .higherhrnet_estimator import BottomupDataPreprocessor, HigherHRNetEstimator
from .mipnet_estimator import MIPNetEstimator
from .posefix_estimator import PoseFix

__all__ = ['BottomupDataPreprocessor', 'HigherHRNetEstimator', 'MIPNetEstimator', 'PoseFix']
