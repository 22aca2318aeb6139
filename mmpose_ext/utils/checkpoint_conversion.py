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


class SkippedLossScaler:
    """Inert stand-in for the loss scaler that an FP16 training pickles into its optimizer state.

    HigherHRNet's FP16 training (``fp16_utils.fp16_optimizer.FP16_Optimizer``, NVIDIA apex's design) saves
    ``optimizer.state_dict()['loss_scaler']`` as the scaler object itself, a ``fp16_utils.loss_scaler.
    DynamicLossScaler`` (``LossScaler`` with a static scale). Reading such a ``checkpoint.pth.tar`` maps exactly those
    two qualified names to this class: nothing of the file's class is imported or run, its saved attributes are
    dropped, and the weights are read as usual. Any other pickled type is still refused.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        """Drops the saved attributes (loss scale and counters, not needed for the weights)."""


#: ``(stand-in, qualified name)`` pairs for ``torch.serialization.safe_globals``: FP16 training loss scalers
LOSS_SCALER_STUBS = [(SkippedLossScaler, f'fp16_utils.loss_scaler.{name}') for name in ('DynamicLossScaler',
                                                                                         'LossScaler')]


def load_reference_checkpoint(path: str, allowed_globals: Iterable[Any] = (),
                              allowed_text: str = 'tensors and containers') -> Any:
    """A reference checkpoint as saved (state dict or training dict), unpickled weights-only through the project's
    safe loader (:func:`mmpose_ext.utils.safe_checkpoint.load_weights_only`).

    Args:
        path: the file.
        allowed_globals: extra globals allowed in the pickle (e.g. ``numpy_scalar_globals()``).
        allowed_text: what is accepted, in words, for the refusal message.

    Raises:
        ConversionError: one line naming the file: missing, corrupt, or holding a type outside the allow-list
            (named).
    """
    from mmpose_ext.utils.safe_checkpoint import UntrustedCheckpointError, load_weights_only
    if not Path(path).is_file():
        raise ConversionError(f'{path} does not exist')
    try:
        return load_weights_only(path, allowed_globals, allowed_text)
    except UntrustedCheckpointError as err:
        raise ConversionError(str(err)) from err
    except Exception as err:  # a corrupt or truncated file: say which file
        text = ' '.join(str(err).split())[:300] or type(err).__name__
        raise ConversionError(f'{path}: cannot read as a checkpoint ({type(err).__name__}: {text})') from err


def load_reference_state(path: str, allowed_globals: Iterable[Any] = (),
                         allowed_text: str = 'tensors and containers') -> Dict[str, torch.Tensor]:
    """The tensor state dict of a reference checkpoint, unpickled weights-only.

    Only tensors, containers and ``allowed_globals`` (e.g. ``safe_checkpoint.numpy_scalar_globals()``) may be in
    the file; anything else, a missing or a corrupt file raises :class:`ConversionError` naming the file (and the
    refused type).
    """
    return extract_state_dict(load_reference_checkpoint(path, allowed_globals, allowed_text), str(path))


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
        count = f'{len(problems)} problem' + ('s' if len(problems) != 1 else '')
        more = f'\n  ... and {len(problems) - 20} more' if len(problems) > 20 else ''
        raise ConversionError(f'{source} does not fit {config} ({count}):\n  {listing}{more}')
