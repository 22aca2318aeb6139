"""Hooks, loops and optim wrappers of the plugin; importing this package registers them into mmpose's registries."""
from .hooks import ChannelsLastHook, CheckpointMatchHook, ModelComplexityHook, ThroughputHook
from .loops import PoseFixCascadeTestLoop
from .optim_wrappers import CPUAutocastOptimWrapper
from .runner import QuietRunner

__all__ = ['CPUAutocastOptimWrapper', 'ChannelsLastHook', 'CheckpointMatchHook', 'ModelComplexityHook',
           'PoseFixCascadeTestLoop', 'QuietRunner', 'ThroughputHook']
