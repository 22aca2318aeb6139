"""Forward GFLOPs of a pose model: below the engine hooks (ModelComplexityHook) and the analysis tools that use it."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch


class _TensorMode(torch.nn.Module):
    """Presents ``model(x, None, mode='tensor')`` as a one-argument forward for the jit-traced counter."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Any:
        return self.model(x, None, mode='tensor')


def count_gflops(model: torch.nn.Module, input_size: Sequence[int], device: str) -> Optional[float]:
    """Forward GFLOPs per image of ``model(x)`` in tensor mode, or None where tracing fails."""
    from mmengine.analysis import FlopAnalyzer
    w, h = input_size
    x = torch.zeros(1, 3, h, w, device=device)
    was_training = model.training
    model.eval()
    try:
        analyzer = FlopAnalyzer(_TensorMode(model), (x, ))
        analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        return analyzer.total() / 1e9
    except Exception as err:  # a model whose forward cannot be traced still gets its throughput measured
        print(f'GFLOPs not counted for {type(model).__name__}: {err}')
        return None
    finally:
        model.train(was_training)
