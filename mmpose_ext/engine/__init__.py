"""Hooks, loops and optim wrappers of the plugin; importing this package registers them into mmpose's registries."""
from .hooks import (AELossRampHook, AEOracleHook, ChannelsLastHook, CheckpointMatchHook, DeferredRuntimeInfoHook,
                    ModelComplexityHook, PerturbWeightsHook, ThroughputHook)
from .loops import PoseFixCascadeTestLoop
from .optim_wrappers import CPUAutocastOptimWrapper
from .runner import QuietRunner

__all__ = ['AELossRampHook', 'AEOracleHook', 'CPUAutocastOptimWrapper', 'ChannelsLastHook', 'CheckpointMatchHook',
           'DeferredRuntimeInfoHook', 'ModelComplexityHook', 'PerturbWeightsHook', 'PoseFixCascadeTestLoop',
           'QuietRunner', 'ThroughputHook']
