"""Mixed precision on a CPU: mmengine's optim wrapper with the forward under CPU autocast."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Union

import torch
from mmengine.optim import OptimWrapper
from mmpose.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """mmengine's ``OptimWrapper`` whose forward runs under CPU autocast.

    This is what ``AmpOptimWrapper`` does on an accelerator (its ``optim_context`` autocasts the forward, the
    backward runs outside), which mmengine 0.10.7 refuses to build on a CPU-only machine. bfloat16 needs no loss
    scaling; float16 on a CPU runs unscaled. Used by the benchmark and the training-throughput tools for CPU
    figures; registered so that a config dump can name it.

    Args:
        dtype: ``'bfloat16'`` or ``'float16'``.
        **kwargs: the arguments of ``OptimWrapper``.
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype

    @contextmanager
    def optim_context(self, model: torch.nn.Module) -> Iterator[None]:
        with super().optim_context(model), torch.autocast('cpu', dtype=self.cast_dtype):
            yield
