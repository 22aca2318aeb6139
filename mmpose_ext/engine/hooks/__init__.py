from .channels_last_hook import ChannelsLastHook
from .checkpoint_match_hook import CheckpointMatchHook
from .model_complexity_hook import ModelComplexityHook
from .throughput_hook import ThroughputHook

__all__ = ['ChannelsLastHook', 'CheckpointMatchHook', 'ModelComplexityHook', 'ThroughputHook']
