from . import transforms  # noqa: F401  (registers the plugin's data transforms)
from .synthetic import SyntheticCrowdConfig, generate_synthetic_crowd
from .synthetic_crowd_dataset import SyntheticCrowdDataset

__all__ = ['SyntheticCrowdConfig', 'SyntheticCrowdDataset', 'generate_synthetic_crowd']
