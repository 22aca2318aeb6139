"""Models of the plugin; importing this package registers them into ``mmpose.registry.MODELS``."""
from . import losses  # noqa: F401
from .losses import BatchAssociativeEmbeddingLoss, HigherHRNetLoss, PoseFixLoss
from .backbones import MIPNetHRNet, MultiInstanceModulation, PoseFixResNet, StackedHourglass
from .distillers import FPDDistiller
from .estimators import BottomupDataPreprocessor, HigherHRNetEstimator, MIPNetEstimator, PoseFix
from .heads import HigherHRNetHead, MultiInstanceHeatmapHead, MultiStackHeatmapHead, PoseFixHead

__all__ = ['BatchAssociativeEmbeddingLoss', 'BottomupDataPreprocessor', 'FPDDistiller', 'HigherHRNetEstimator',
           'HigherHRNetHead', 'HigherHRNetLoss', 'MIPNetEstimator', 'MIPNetHRNet', 'MultiInstanceHeatmapHead',
           'MultiInstanceModulation', 'MultiStackHeatmapHead', 'PoseFix', 'PoseFixHead', 'PoseFixLoss', 'PoseFixResNet',
           'StackedHourglass']
