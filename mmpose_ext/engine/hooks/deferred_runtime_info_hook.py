"""mmengine's ``RuntimeInfoHook`` without a host synchronisation per training iteration."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import torch
from mmengine.hooks import LoggerHook, RuntimeInfoHook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class DeferredRuntimeInfoHook(RuntimeInfoHook):
    """Records the training losses in the message hub in batches, reading them from the device once per batch.

    mmengine's ``RuntimeInfoHook`` puts every logged value of every iteration into the message hub at once, and the
    hub calls ``.item()`` on each tensor: the host waits for the device to finish the iteration before it can queue
    the next one, every iteration. This hook keeps the iterations' values on the device (detached) and moves them
    with one copy when they are needed: at the ``LoggerHook``'s interval (before it logs: this hook's priority is
    VERY_HIGH), at the end of an epoch (before the epoch's checkpoint), before validation and at the end of
    training. The hub then holds the same values, in the same order, as with mmengine's hook, so the logged window
    averages are the same. Everything else (learning rates, iteration counters, validation metrics) is mmengine's
    hook unchanged.

    Args:
        interval: flush every this many iterations; ``None``: the ``LoggerHook``'s interval (every iteration
            without a ``LoggerHook``).
    """

    def __init__(self, interval: Optional[int] = None) -> None:
        super().__init__()
        self.interval = interval
        self._pending: List[Dict[str, Any]] = []

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.interval is None:
            loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
            self.interval = loggers[0].interval if loggers else 1

    def flush(self, runner) -> None:
        """Moves the pending values to the host in one copy and records them in iteration order."""
        if not self._pending:
            return
        def scalar(value: Any) -> bool:
            return isinstance(value, torch.Tensor) and value.numel() == 1

        tensors = [v for outputs in self._pending for v in outputs.values() if scalar(v)]
        values = iter(torch.stack([t.reshape(()).double() for t in tensors]).tolist() if tensors else [])
        for outputs in self._pending:
            for key, value in outputs.items():  # anything else goes to the hub as it came, as mmengine's hook does
                runner.message_hub.update_scalar(f'train/{key}', next(values) if scalar(value) else value)
        self._pending = []

    def after_train_iter(self, runner, batch_idx: int, data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        if outputs is not None:
            self._pending.append({k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in outputs.items()})
        interval = self.interval or 1
        if (self.every_n_inner_iters(batch_idx, interval) or self.every_n_train_iters(runner, interval)
                or self.end_of_epoch(runner.train_dataloader, batch_idx)):
            self.flush(runner)

    def after_train_epoch(self, runner) -> None:
        self.flush(runner)

    def before_val(self, runner) -> None:
        self.flush(runner)
        super().before_val(runner)

    def after_train(self, runner) -> None:
        self.flush(runner)
        super().after_train(runner)
