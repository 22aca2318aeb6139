from .multi_instance_heatmap_head import MultiInstanceHeatmapHead

__all__ = ['MultiInstanceHeatmapHead']
