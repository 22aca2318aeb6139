"""Models of the plugin; importing this package registers them into ``mmpose.registry.MODELS``."""
from . import losses  # noqa: F401
from .backbones import MIPNetHRNet, MultiInstanceModulation, StackedHourglass
from .estimators import MIPNetEstimator
from .heads import MultiInstanceHeatmapHead, MultiStackHeatmapHead

__all__ = ['MIPNetEstimator', 'MIPNetHRNet', 'MultiInstanceHeatmapHead', 'MultiInstanceModulation',
           'MultiStackHeatmapHead', 'StackedHourglass']
