"""Hooks, loops and optim wrappers of the plugin; importing this package registers them into mmpose's registries."""
from .hooks import AELossRampHook, AEOracleHook, ChannelsLastHook, ModelComplexityHook, ThroughputHook
from .loops import PoseFixCascadeTestLoop
from .optim_wrappers import CPUAutocastOptimWrapper

__all__ = ['AELossRampHook', 'AEOracleHook', 'CPUAutocastOptimWrapper', 'ChannelsLastHook', 'ModelComplexityHook',
           'PoseFixCascadeTestLoop', 'ThroughputHook']
