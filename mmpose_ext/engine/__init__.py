from .hooks import ChannelsLastHook, ModelComplexityHook

__all__ = ['ChannelsLastHook', 'ModelComplexityHook']

from .loops import PoseFixCascadeTestLoop  # noqa: E402  (PoseFix after any top-down model, one test run)

__all__ += ['PoseFixCascadeTestLoop']
