"""Validation AP of a bottom-up associative-embedding model next to its two oracles, to see which half limits it."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class AEOracleHook(Hook):
    """After every validation, evaluates the validation set again with ground truth in place of half the outputs.

    ``'heatmaps'``: ground-truth heatmaps with the predicted tags (how good the grouping is); ``'tags'``: the
    predicted heatmaps with ground-truth tags, i.e. every detection grouped with the true person it is closest
    to (how good the detection is). Both go through the whole test path of ``HigherHRNetHead`` (flip,
    aggregation, decoding, inverse transform) via ``test_cfg.oracle`` and are logged with the real metrics as
    ``val/oracle_<mode>/<metric>`` (e.g. ``oracle_heatmaps/coco/AP``). Runs after mmengine's ``RuntimeInfoHook``
    and before the logger, so the figures are printed on the validation line.

    Args:
        modes: which oracles (``'heatmaps'``, ``'tags'``, ``'both'``).
        metric_keys: metrics to log (None: all that the evaluator returns).
    """

    priority = 'NORMAL'

    def __init__(self, modes: Sequence[str] = ('heatmaps', 'tags'),
                 metric_keys: Optional[Sequence[str]] = ('coco/AP', 'coco/AP .5', 'coco/AR')) -> None:
        self.modes = list(modes)
        self.metric_keys = None if metric_keys is None else list(metric_keys)

    def evaluate(self, runner, mode: str) -> Dict[str, float]:
        """The validation metrics with ``test_cfg.oracle = mode``."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        loop = runner.val_loop
        model.test_cfg['oracle'] = mode
        try:
            with torch.no_grad():
                for data in loop.dataloader:
                    outputs = runner.model.val_step(data)
                    loop.evaluator.process(data_samples=outputs, data_batch=data)
            metrics = loop.evaluator.evaluate(len(loop.dataloader.dataset))
        finally:
            model.test_cfg.pop('oracle', None)
        return {k: float(v) for k, v in metrics.items() if self.metric_keys is None or k in self.metric_keys}

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        for mode in self.modes:
            for key, value in self.evaluate(runner, mode).items():
                runner.message_hub.update_scalar(f'val/oracle_{mode}/{key}', value)
