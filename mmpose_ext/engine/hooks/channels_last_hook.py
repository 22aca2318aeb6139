"""Channels-last (NHWC) memory format for the model, switched on from the config."""
from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Converts the model's 4-D parameters and buffers to ``torch.channels_last`` before training and testing.

    Convolutions then run in NHWC, which oneDNN on CPUs and tensor cores on GPUs execute faster (measured with
    ``tools/analysis/benchmark.py --channels-last``). Inputs need no change: a convolution with channels-last
    weights produces channels-last outputs. Parameters keep their identity, so an optimizer built earlier
    still holds them.
    """

    priority = 'VERY_HIGH'

    def _convert(self, runner) -> None:
        runner.model.to(memory_format=torch.channels_last)

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
