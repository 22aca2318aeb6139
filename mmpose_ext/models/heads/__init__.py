from .higherhrnet_head import HigherHRNetHead
from .multi_instance_heatmap_head import MultiInstanceHeatmapHead
from .multi_stack_heatmap_head import MultiStackHeatmapHead
from .posefix_head import PoseFixHead

__all__ = ['HigherHRNetHead', 'MultiInstanceHeatmapHead', 'MultiStackHeatmapHead', 'PoseFixHead']
