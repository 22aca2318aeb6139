"""Adds tiny Gaussian noise to the initial weights: the noise control of a paired learning check."""
from __future__ import annotations

from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class PerturbWeightsHook(Hook):
    """Adds N(0, ``std``) to every floating-point parameter once, before the first training step.

    Two trainings that differ only by this perturbation show how far a run moves by chance alone: the spread a
    paired difference between two arms must exceed before it means anything. The noise comes from its own
    generator (``seed``), so the data order, augmentation and dropout draw the same numbers as in the
    unperturbed run. Resumed runs are not perturbed again.

    Args:
        std: standard deviation of the noise.
        seed: seed of the noise generator.
        module: the sub-module to perturb (``'student'`` for a distiller); None for the whole model.
    """

    priority = 'VERY_LOW'  # after every hook that loads or converts weights

    def __init__(self, std: float = 1e-6, seed: int = 0, module: Optional[str] = None) -> None:
        if std <= 0:
            raise ValueError(f'PerturbWeightsHook: std must be > 0, got {std}')
        self.std, self.seed, self.module = std, seed, module

    def before_train(self, runner) -> None:
        if runner.iter > 0:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if self.module:
            if not hasattr(model, self.module):
                raise ValueError(f'PerturbWeightsHook: the model ({type(model).__name__}) has no module '
                                 f'{self.module!r}')
            model = getattr(model, self.module)
        generator = torch.Generator().manual_seed(self.seed)
        count = 0
        with torch.no_grad():
            for param in model.parameters():
                if param.is_floating_point():
                    noise = torch.randn(param.shape, generator=generator, dtype=torch.float32)
                    param.add_(noise.to(device=param.device, dtype=param.dtype) * self.std)
                    count += param.numel()
        runner.logger.info(f'PerturbWeightsHook: added N(0, {self.std:g}) noise (seed {self.seed}) to {count} '
                           'weights')
