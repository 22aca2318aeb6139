"""Mixed precision (float16 / bfloat16) for mmpose's heads: their numpy conversions read half-precision outputs.

Under ``--amp`` a head's outputs are float16 or bfloat16. mmpose turns them into numpy arrays in about twenty places,
all through one function, ``mmpose.utils.tensor_utils.to_numpy``: the accuracy in every head's ``loss`` (e.g.
``HeatmapHead.loss`` -> ``pose_pck_accuracy(to_numpy(pred_fields), ...)``) and every codec decode
(``BaseHead.decode``). numpy has no bfloat16 (``TypeError: Got unsupported ScalarType BFloat16`` in the first
training step), and its float16 breaks parts of the decoders (DARK's ``log`` of 1e-10 underflows; OpenCV blurs
no float16). :func:`enable_float32_to_numpy` makes that one function hand over float32 arrays for any
half-precision tensor.

Why a patch of one function rather than plugin subclasses of the heads: the crash sits in mmpose's own heads
(``HeatmapHead``, ``CPMHead``, the SimCC/regression heads), which the baseline configs and any user's mmpose config
use directly; subclassing would need a twin of each head, config edits, and would still leave a user's config with
mmpose's head crashing. The patch changes nothing for float32/float64 tensors (the same function is called), is
applied once, in ``mmpose_ext/__init__.py`` next to the checkpoint-loading one, and only replaces the names that are
still bound to mmpose's original function.
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import torch

_HALF = (torch.float16, torch.bfloat16)


def _as_float32(x: Any) -> Any:
    """``x`` with every half-precision tensor (also inside a list or tuple) cast to float32."""
    if isinstance(x, torch.Tensor):
        return x.detach().float() if x.dtype in _HALF else x
    if isinstance(x, (list, tuple)) and any(isinstance(t, torch.Tensor) and t.dtype in _HALF for t in x):
        return type(x)(_as_float32(t) for t in x)
    return x


def float32_to_numpy(to_numpy: Callable) -> Callable:
    """Wraps mmpose's ``to_numpy`` so that float16/bfloat16 tensors arrive as float32 arrays."""
    if getattr(to_numpy, '_mmpose_ext_float32', False):
        return to_numpy

    @functools.wraps(to_numpy)
    def wrapper(x: Any, *args: Any, **kwargs: Any) -> Any:
        return to_numpy(_as_float32(x), *args, **kwargs)

    wrapper._mmpose_ext_float32 = True
    return wrapper


def enable_float32_to_numpy() -> int:
    """Replaces ``to_numpy`` in ``mmpose.utils.tensor_utils`` and in every loaded ``mmpose``/``mmpose_ext`` module
    that imported it.

    Idempotent. Returns the number of module attributes replaced (0 on a second call).
    """
    from mmpose.utils import tensor_utils
    original = tensor_utils.to_numpy
    if getattr(original, '_mmpose_ext_float32', False):
        return 0
    patched = float32_to_numpy(original)
    replaced = 0
    for name, module in list(sys.modules.items()):
        if name.split('.')[0] in ('mmpose', 'mmpose_ext') and getattr(module, 'to_numpy', None) is original:
            setattr(module, 'to_numpy', patched)
            replaced += 1
    return replaced
