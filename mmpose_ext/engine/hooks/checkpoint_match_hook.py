"""Refuses a ``load_from`` / ``--resume`` / ``tools/test.py`` checkpoint that does not fit the model."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from mmpose_ext.utils.checkpoint_match import check_checkpoint_fits


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Checks every checkpoint the Runner loads into the whole model before any weight is copied.

    mmengine's ``Runner.load_checkpoint`` calls ``after_load_checkpoint`` between reading the file and loading it
    (``strict=False``); this hook raises :class:`~mmpose_ext.utils.checkpoint_match.CheckpointMismatchError` there,
    so a checkpoint of another model ends the run with one line instead of scoring an untrained model.

    Args:
        allow_partial: accept a checkpoint that fits only in part (at least one key must match); for the rare
            intended partial load (``tools/train.py --allow-partial-load``).
    """

    priority = 'VERY_HIGH'

    def __init__(self, allow_partial: bool = False) -> None:
        self.allow_partial = allow_partial

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        load_from = getattr(runner, '_load_from', None)
        filename = load_from if isinstance(load_from, str) else f'(latest in {runner.work_dir})'
        check_checkpoint_fits(model, checkpoint, filename, runner.cfg.filename, self.allow_partial)
