"""Hooks and loops of the plugin; importing this package registers them into mmpose's registries."""
from .hooks import ChannelsLastHook, ModelComplexityHook, ThroughputHook
from .loops import PoseFixCascadeTestLoop

__all__ = ['ChannelsLastHook', 'ModelComplexityHook', 'PoseFixCascadeTestLoop', 'ThroughputHook']
