from .channels_last_hook import ChannelsLastHook
from .model_complexity_hook import ModelComplexityHook

__all__ = ['ChannelsLastHook', 'ModelComplexityHook']
