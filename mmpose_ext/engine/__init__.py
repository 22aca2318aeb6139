from .hooks import ChannelsLastHook, ModelComplexityHook

__all__ = ['ChannelsLastHook', 'ModelComplexityHook']
