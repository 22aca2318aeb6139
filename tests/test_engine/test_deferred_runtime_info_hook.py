"""DeferredRuntimeInfoHook: the message hub gets the same training values as with mmengine's RuntimeInfoHook, in
the same order, but read from the device only at the logger's interval (not every iteration)."""
from __future__ import annotations

from pathlib import Path
from typing import List

import torch
from mmengine.hooks import Hook, LoggerHook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mmpose_ext.engine.hooks import DeferredRuntimeInfoHook


class _Regression(BaseModel):
    """A linear regression whose loss and a second logged value come from the device, as a pose head's."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, targets, mode: str = 'loss'):
        error = self.linear(inputs) - targets  # default_collate stacks the batch
        return dict(loss_mse=(error ** 2).mean(), acc_pose=(error.abs() < 0.5).double().mean())


class _HubLength(Hook):
    """After each iteration (after the logger), how many loss values the message hub holds."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.lengths: List[int] = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        hub = runner.message_hub
        self.lengths.append(len(hub.get_scalar('train/loss').data[0]) if 'train/loss' in hub.log_scalars else 0)


def _train(work_dir: Path, runtime_info) -> tuple:
    generator = torch.Generator().manual_seed(0)
    data = [(torch.randn(2, generator=generator), torch.randn(1, generator=generator)) for _ in range(16)]
    torch.manual_seed(0)
    lengths = _HubLength()
    runner = Runner(
        model=_Regression(), work_dir=str(work_dir), experiment_name=f'deferred_hook_test_{work_dir.name}',
        train_dataloader=dict(dataset=data, batch_size=2, sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)), train_cfg=dict(by_epoch=False, max_iters=7),
        default_hooks=dict(runtime_info=runtime_info, logger=dict(type=LoggerHook, interval=3),
                           checkpoint=None), custom_hooks=[lengths])
    runner.train()
    hub = runner.message_hub
    return hub.get_scalar('train/loss').data[0], hub.get_scalar('train/acc_pose').data[0], lengths.lengths


def test_same_values_read_at_the_logger_interval(tmp_path: Path):
    losses, accs, lengths = _train(tmp_path / 'mmengine', dict(type='RuntimeInfoHook'))
    deferred_losses, deferred_accs, deferred_lengths = _train(tmp_path / 'deferred',
                                                              dict(type=DeferredRuntimeInfoHook))
    assert list(deferred_losses) == list(losses) and list(deferred_accs) == list(accs) and len(losses) == 7
    assert lengths == [1, 2, 3, 4, 5, 6, 7]
    assert deferred_lengths == [0, 0, 3, 3, 3, 6, 6]  # flushed at iterations 3 and 6 (interval 3), then at the end
