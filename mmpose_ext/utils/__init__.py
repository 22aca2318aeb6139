from .amp import enable_float32_to_numpy
from .device import synchronize
from .mmpose_compat import enable_mmpose_compat
from .safe_checkpoint import (UntrustedCheckpointError, enable_safe_checkpoint_loading,
                              load_checkpoint_safely, safe_checkpoint_globals)

__all__ = [
    'enable_float32_to_numpy', 'enable_mmpose_compat', 'synchronize', 'UntrustedCheckpointError',
    'enable_safe_checkpoint_loading', 'load_checkpoint_safely', 'safe_checkpoint_globals'
]
