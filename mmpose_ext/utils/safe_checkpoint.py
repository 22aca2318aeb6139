"""Checkpoint loading that keeps ``torch.load(weights_only=True)`` on, with an allow-list for OpenMMLab checkpoints.

torch >= 2.6 unpickles checkpoints with ``weights_only=True`` by default. mmengine 0.10.7 checkpoints carry a
``meta`` entry (numpy arrays and scalars, mmengine's ``HistoryBuffer`` with references to its statistics methods),
so resume, ``load_from`` and ``tools/test.py`` fail with ``UnpicklingError``. Turning ``weights_only`` off
(``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``) would run any callable pickled into a checkpoint. Instead this module
allows exactly the types those checkpoints carry and refuses everything else with a message naming the type,
the file and the opt-out for a file the user trusts.
"""
from __future__ import annotations

import functools
import importlib
import os
import pickle
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'MMPOSE_EXT_TRUSTED_CHECKPOINTS'

# HistoryBuffer pickles its statistics functions as ``getattr(HistoryBuffer, 'mean')``.
_HISTORY_BUFFER_METHODS = frozenset({'min', 'max', 'mean', 'current'})


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects outside the allow-list of safe types."""


def _restricted_getattr(obj: Any, name: str) -> Any:
    """Stands in for ``builtins.getattr`` while unpickling: only HistoryBuffer's statistics methods."""
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refused getattr({getattr(obj, "__qualname__", type(obj).__name__)}, {name!r}) in checkpoint')


def _multiarray():
    # numpy 2 renamed numpy.core to numpy._core (the old name still works but warns)
    return importlib.import_module(
        'numpy._core.multiarray' if np.lib.NumpyVersion(np.__version__) >= '2.0.0' else 'numpy.core.multiarray')


def numpy_scalar_globals() -> List[Any]:
    """What pickled numpy scalars need under ``weights_only`` (e.g. the official FPD checkpoint's ``perf``): no
    arrays. numpy 1.x pickles under ``numpy.core``, numpy 2.x under ``numpy._core``: both spellings are accepted."""
    multiarray = _multiarray()
    entries: List[Any] = [(multiarray.scalar, f'{prefix}.scalar')
                          for prefix in ('numpy.core.multiarray', 'numpy._core.multiarray')]
    entries.append((np.dtype, 'numpy.dtype'))
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:  # numpy >= 1.25 may pickle dtypes by their classes
        entries += [(cls, f'numpy.dtypes.{name}') for name, cls in vars(dtypes).items()
                    if isinstance(cls, type) and issubclass(cls, np.dtype)]
    return entries


def _numpy_globals() -> List[Any]:
    multiarray = _multiarray()
    arrays = [(multiarray._reconstruct, f'{prefix}._reconstruct')
              for prefix in ('numpy.core.multiarray', 'numpy._core.multiarray')]
    return arrays + [(np.ndarray, 'numpy.ndarray')] + numpy_scalar_globals()


def safe_checkpoint_globals() -> List[Any]:
    """The globals an mmengine/mmpose checkpoint may reference, beyond torch's own tensors and containers."""
    import collections
    return [
        *_numpy_globals(),
        HistoryBuffer,
        (_restricted_getattr, 'builtins.getattr'),
        collections.Counter,  # MultiStepLR milestones
        collections.OrderedDict,
    ]


def _trusted_paths() -> List[str]:
    value = os.environ.get(TRUST_ENV, '')
    return [os.path.realpath(os.path.expanduser(p)) for p in value.split(os.pathsep) if p]


def is_trusted(filename: str) -> bool:
    """Whether the user listed ``filename`` in ``$MMPOSE_EXT_TRUSTED_CHECKPOINTS``."""
    return os.path.exists(filename) and os.path.realpath(filename) in _trusted_paths()


def unsafe_globals_in(filename: str, allowed: Iterable[Any]) -> List[str]:
    """Names of pickled globals in ``filename`` that are outside torch's defaults and ``allowed``."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # not a zip checkpoint; the original error message still names the type
        return []
    allowed_names = set()
    for item in allowed:
        if isinstance(item, tuple):
            allowed_names.add(item[1])
        else:
            allowed_names.add(f'{item.__module__}.{item.__qualname__}')
    return [n for n in names if n not in allowed_names]


def load_checkpoint_safely(load: Callable[..., Any], filename: str, *args: Any, **kwargs: Any) -> Any:
    """Runs an mmengine checkpoint loader with ``weights_only`` unpickling and the allow-list.

    Args:
        load: the loader to wrap (``CheckpointLoader.load_checkpoint`` or one scheme's loader).
        filename: the checkpoint path or URL, for the error message and the trust list.
        *args, **kwargs: passed to ``load``.

    Raises:
        UntrustedCheckpointError: the file references a global outside the allow-list.
    """
    if is_trusted(filename):
        # The user vouched for this file: let torch unpickle it fully (runs any callable it holds).
        with _env(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1', TORCH_FORCE_WEIGHTS_ONLY_LOAD=None):
            return load(filename, *args, **kwargs)
    allowed = safe_checkpoint_globals()
    # The environment switches make weights_only=True hold whatever the caller's torch.load default is.
    with _env(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=None, TORCH_FORCE_WEIGHTS_ONLY_LOAD='1'), \
            torch.serialization.safe_globals(allowed):
        try:
            return load(filename, *args, **kwargs)
        except pickle.UnpicklingError as err:
            if isinstance(err, UntrustedCheckpointError):
                raise
            raise UntrustedCheckpointError(refusal_message(filename, refused_types(err, filename, allowed))) from err


_ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
_GLOBAL = re.compile(r'GLOBAL ([\w.]+)')
DEFAULT_ALLOWED_TEXT = 'tensors, containers, numpy arrays/scalars and mmengine HistoryBuffer'


def refused_types(err: BaseException, filename: str, allowed: Iterable[Any]) -> List[str]:
    """The qualified names of the pickled globals ``torch.load(weights_only=True)`` refused in ``filename``.

    Read from the file's pickle (zip checkpoints) or from torch's message (legacy ``.tar`` files), never torch's
    advice text; ``['an unnamed type']`` when neither names one.
    """
    local = os.path.expanduser(filename)
    names = unsafe_globals_in(local, allowed) if os.path.isfile(local) else []
    if not names:
        names = list(dict.fromkeys(_GLOBAL.findall(_ANSI.sub('', str(err)))))
    return names or ['an unnamed type']


def refusal_message(filename: str, types: Sequence[str], allowed_text: str = DEFAULT_ALLOWED_TEXT) -> str:
    """The one-line refusal of a checkpoint holding pickled ``types`` outside the allow-list.

    Args:
        filename: the checkpoint, named in the message.
        types: qualified names of the refused types.
        allowed_text: what the loader accepts, in words.
    """
    return (f'Refusing to load checkpoint {filename!r}: it contains pickled objects of a type that is not allowed '
            f'({", ".join(types)}). mmpose_ext loads checkpoints with torch.load(weights_only=True) and allows only '
            f'{allowed_text}, because unpickling anything else can run arbitrary code. If you trust this file, add '
            f'its path to the environment variable {TRUST_ENV} (paths separated by {os.pathsep!r}) and run again.')


def load_weights_only(filename: str, allowed: Iterable[Any] = (), allowed_text: str = DEFAULT_ALLOWED_TEXT) -> Any:
    """``torch.load(filename, weights_only=True)`` on the CPU with ``allowed`` globals, for files that are not
    mmengine checkpoints (the converters' reference files).

    A file listed in ``$MMPOSE_EXT_TRUSTED_CHECKPOINTS`` is unpickled fully, as :func:`load_checkpoint_safely` does.

    Args:
        filename: local checkpoint file.
        allowed: extra globals, as ``torch.serialization.safe_globals`` takes them (objects or ``(object,
            'qualified.name')`` pairs, e.g. an inert stand-in for a known class).
        allowed_text: what is accepted, in words, for the refusal message.

    Raises:
        UntrustedCheckpointError: one line naming the file and the refused types (no ANSI codes, no advice to
            turn ``weights_only`` off).
    """
    if is_trusted(filename):
        return torch.load(filename, map_location='cpu', weights_only=False)
    allowed = list(allowed)
    with _env(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=None, TORCH_FORCE_WEIGHTS_ONLY_LOAD='1'), \
            torch.serialization.safe_globals(allowed):
        try:
            return torch.load(filename, map_location='cpu', weights_only=True)
        except pickle.UnpicklingError as err:
            raise UntrustedCheckpointError(refusal_message(filename, refused_types(err, filename, allowed),
                                                           allowed_text)) from err


class _env:
    """Sets (value) or removes (None) environment variables for the duration of a ``with`` block."""

    def __init__(self, **values: Optional[str]) -> None:
        self.values = values
        self.saved: Dict[str, Optional[str]] = {}

    def __enter__(self) -> None:
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def __exit__(self, *exc: Any) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_ORIGINAL_LOAD = CheckpointLoader.load_checkpoint.__func__


@functools.wraps(_ORIGINAL_LOAD)
def _safe_load_checkpoint(cls, filename: str, map_location: Any = None, logger: Any = 'current') -> Any:
    return load_checkpoint_safely(functools.partial(_ORIGINAL_LOAD, cls), filename, map_location, logger)


def enable_safe_checkpoint_loading() -> None:
    """Routes every mmengine checkpoint load (resume, ``load_from``, ``PretrainedInit``, ``tools/test.py``, all
    URL schemes) through :func:`load_checkpoint_safely`. Idempotent; called when ``mmpose_ext`` is imported."""
    CheckpointLoader.load_checkpoint = classmethod(_safe_load_checkpoint)
