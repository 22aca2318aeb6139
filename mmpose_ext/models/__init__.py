"""Models of the plugin; importing this package registers them into ``mmpose.registry.MODELS``."""
from . import losses  # noqa: F401
from .losses import PoseFixLoss
from .backbones import MIPNetHRNet, MultiInstanceModulation, PoseFixResNet, StackedHourglass
from .distillers import FPDDistiller
from .estimators import MIPNetEstimator, PoseFix
from .heads import MultiInstanceHeatmapHead, MultiStackHeatmapHead, PoseFixHead

__all__ = ['FPDDistiller', 'MIPNetEstimator', 'MIPNetHRNet', 'MultiInstanceHeatmapHead', 'MultiInstanceModulation',
           'MultiStackHeatmapHead', 'PoseFix', 'PoseFixHead', 'PoseFixLoss', 'PoseFixResNet', 'StackedHourglass']
