"""Training throughput in images per second in the training log, next to mmengine's seconds per iteration."""
from __future__ import annotations

from typing import Any, Optional

from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class ThroughputHook(Hook):
    """Logs ``img_per_s``: the crops of one training iteration over all processes, divided by its wall time.

    mmengine's ``IterTimerHook`` logs ``time`` (seconds per iteration, data loading included) and ``data_time``
    (the part spent waiting for the data loader); throughput in images per second, the figure that compares across
    batch sizes and machines, is not logged. This hook reads the iteration time the timer hook has just recorded
    and the batch's size, and adds ``img_per_s`` to the message hub, so that the logger prints it (averaged over
    the logger's window, as ``time`` is) and it goes to every visualizer backend. It runs between the timer
    (priority NORMAL) and the logger (BELOW_NORMAL).

    Args:
        key: the scalar's name in the log.
    """

    priority = 55

    def __init__(self, key: str = 'img_per_s') -> None:
        self.key = key

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[Any] = None,
                         outputs: Optional[dict] = None) -> None:
        if not isinstance(data_batch, dict) or 'train/time' not in runner.message_hub.log_scalars:
            return
        batch = data_batch.get('inputs', data_batch.get('data_samples'))
        seconds = runner.message_hub.log_scalars['train/time'].current()
        if batch is None or seconds <= 0:
            return
        runner.message_hub.update_scalar(f'train/{self.key}', len(batch) * get_world_size() / seconds)
