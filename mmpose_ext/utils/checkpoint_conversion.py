"""What every checkpoint converter shares: reading a weights-only state dict out of a reference file and checking
the converted keys and shapes against the model a config builds (converters refuse to write on any mismatch)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List

import torch


class ConversionError(ValueError):
    """The checkpoint is not in the layout the converter reads, or does not fit the target model."""


def extract_state_dict(checkpoint: object, source: str) -> Dict[str, torch.Tensor]:
    """The reference saves either a bare state dict or ``{'state_dict': ..., 'best_state_dict': ...}``."""
    if isinstance(checkpoint, dict):
        for field in ('state_dict', 'best_state_dict', 'model'):
            if isinstance(checkpoint.get(field), dict):
                checkpoint = checkpoint[field]
                break
    if not isinstance(checkpoint, dict) or not checkpoint or \
            not all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise ConversionError(f'{source}: no tensor state dict found')
    return checkpoint


def load_reference_state(path: str, allowed_globals: Iterable[Any] = ()) -> Dict[str, torch.Tensor]:
    """The tensor state dict of a reference checkpoint, unpickled weights-only.

    Only tensors, containers and ``allowed_globals`` (e.g. ``safe_checkpoint.numpy_scalar_globals()``) may be in
    the file; anything else, a missing or a corrupt file raises :class:`ConversionError` naming the file.
    """
    if not Path(path).is_file():
        raise ConversionError(f'{path} does not exist')
    try:
        with torch.serialization.safe_globals(list(allowed_globals)):
            checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # refused global or corrupt file: say which file
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConversionError(f'{path}: cannot read as a weights-only checkpoint (only tensors, containers and '
                              f'the allowed types are accepted): {first}') from err
    return extract_state_dict(checkpoint, str(path))


def check_against_model(state: Dict[str, torch.Tensor], config: str) -> List[str]:
    """Problems (missing, unexpected, wrong shape) of ``state`` for the model built from ``config``."""
    from mmengine.config import Config
    from mmpose.registry import MODELS
    model = MODELS.build(Config.fromfile(config).model)
    expected = {k: v for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}
    problems = [f'missing: {k}' for k in sorted(set(expected) - set(state))]
    problems += [f'unexpected: {k}' for k in sorted(set(state) - set(model.state_dict()))]
    problems += [f'shape of {k}: {tuple(state[k].shape)} vs model {tuple(v.shape)}'
                 for k, v in expected.items() if k in state and state[k].shape != v.shape]
    return problems


def refuse_mismatch(state: Dict[str, torch.Tensor], config: str, source: str) -> None:
    """Raises :class:`ConversionError` listing the first problems when ``state`` does not fit ``config``'s model."""
    problems = check_against_model(state, config)
    if problems:
        listing = '\n  '.join(problems[:20])
        raise ConversionError(f'{source} does not fit {config} ({len(problems)} problems):\n  {listing}')
