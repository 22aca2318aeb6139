from .synthetic import SyntheticCrowdConfig, generate_synthetic_crowd
from .synthetic_crowd_dataset import SyntheticCrowdDataset

__all__ = ['SyntheticCrowdConfig', 'SyntheticCrowdDataset', 'generate_synthetic_crowd']
