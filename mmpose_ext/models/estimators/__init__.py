from .mipnet_estimator import MIPNetEstimator

__all__ = ['MIPNetEstimator']
