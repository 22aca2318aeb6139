from .device import synchronize
from .safe_checkpoint import (UntrustedCheckpointError, enable_safe_checkpoint_loading,
                              load_checkpoint_safely, safe_checkpoint_globals)

__all__ = [
    'synchronize', 'UntrustedCheckpointError', 'enable_safe_checkpoint_loading', 'load_checkpoint_safely',
    'safe_checkpoint_globals'
]
