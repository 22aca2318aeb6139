"""The one place that talks to an accelerator directly: synchronising it for timing."""
from __future__ import annotations

import torch


def synchronize(device: torch.device | str | None = None) -> None:
    """Waits for queued work on ``device`` (CUDA, NPU, MPS, ...) through ``torch.accelerator``; no-op on CPU.

    Args:
        device: the device the timed work ran on; ``None`` means the current accelerator.
    """
    if device is not None and torch.device(device).type == 'cpu':
        return
    accelerator = getattr(torch, 'accelerator', None)
    if accelerator is not None and accelerator.is_available():
        accelerator.synchronize()
