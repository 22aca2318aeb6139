from .channels_last_hook import ChannelsLastHook
from .model_complexity_hook import ModelComplexityHook
from .throughput_hook import ThroughputHook

__all__ = ['ChannelsLastHook', 'ModelComplexityHook', 'ThroughputHook']
