"""Checks that a checkpoint fits the model it is loaded into, before a single weight is copied.

mmengine loads whole-model checkpoints (``load_from``, ``--resume``, ``tools/test.py``, ``init_model``) with
``strict=False`` and only logs "do not match exactly": a checkpoint of another model then scores like an untrained
one with exit code 0. Here any missing, unexpected or wrongly shaped key is an error that names the file, the
config, the first keys and, where the file's layout is recognised, the command that makes it loadable.
``PretrainedInit`` (a backbone's ``init_cfg``) is not a whole-model load and is left to mmengine.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch

PARTIAL_ENV = 'MMPOSE_EXT_PARTIAL_LOAD'
# Keys a whole-model load may lack: BatchNorm's step counters (mmengine skips them too).
ALLOWED_MISSING = ('num_batches_tracked',)

# (pattern any key matches, what the file is, the fix)
_LAYOUT_HINTS: Sequence[Tuple[str, str, str]] = (
    (r'^(student|teacher)\.', 'an FPD distiller checkpoint (student and teacher)',
     'export the student with python tools/convert/fpd_to_student.py CKPT OUT.pth'),
    (r'^stage\d_se\.', "the MIPNet reference's layout",
     'convert it with python tools/convert/mipnet_to_mmpose_ext.py'),
    (r'^(final_layers|deconv_layers|keypoint_head)\.', "a HigherHRNet reference (official or mmpose 0.x) layout",
     'convert it with python tools/convert/higherhrnet_to_mmpose_ext.py'),
    (r'^(hg\.\d|score_?\.\d|fc_?\.\d)', "a stacked-hourglass reference (pytorch-pose / FPD) layout",
     'convert it with python tools/convert/hourglass_to_mmpose_ext.py'),
)


class CheckpointMismatchError(ValueError):
    """A whole-model checkpoint does not fit the model built from the config."""


@dataclass
class KeyMismatch:
    """How a state dict differs from a model's: matched count and the missing, unexpected and reshaped keys."""
    matched: int = 0
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    shapes: List[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.shapes)

    def first(self, count: int = 3) -> str:
        parts = [f'missing {k}' for k in self.missing[:count]]
        parts += [f'unexpected {k}' for k in self.unexpected[:count]]
        parts += self.shapes[:count]
        return ', '.join(parts[:count])


def strip_module_prefix(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Drops DataParallel's ``module.`` prefix, as mmengine's loader does."""
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def compare_state_dicts(model_state: Mapping[str, torch.Tensor],
                        state: Mapping[str, torch.Tensor]) -> KeyMismatch:
    """Missing (outside :data:`ALLOWED_MISSING`), unexpected and wrongly shaped keys of ``state``."""
    result = KeyMismatch()
    for key, value in model_state.items():
        if key not in state:
            if not key.endswith(ALLOWED_MISSING):
                result.missing.append(key)
        elif hasattr(state[key], 'shape') and tuple(state[key].shape) != tuple(value.shape):
            result.shapes.append(f'{key} {tuple(state[key].shape)} vs model {tuple(value.shape)}')
        else:
            result.matched += 1
    result.unexpected = [k for k in state if k not in model_state]
    return result


def layout_hint(keys: Sequence[str]) -> Optional[str]:
    """What a file with these keys is and how to make it loadable, when its layout is a known one."""
    for pattern, what, fix in _LAYOUT_HINTS:
        if any(re.match(pattern, k) for k in keys):
            return f'it looks like {what}: {fix}'
    return None


def partial_load_allowed() -> bool:
    """``MMPOSE_EXT_PARTIAL_LOAD=1`` lets every whole-model load be partial (mmengine's warning only)."""
    return os.environ.get(PARTIAL_ENV, '') not in ('', '0')


def check_checkpoint_fits(model: torch.nn.Module, checkpoint: Mapping, filename: str,
                          config: Optional[str] = None, allow_partial: bool = False) -> KeyMismatch:
    """Raises :class:`CheckpointMismatchError` unless ``checkpoint`` fits ``model`` key for key.

    Args:
        model: the model the checkpoint is about to be loaded into (unwrapped).
        checkpoint: the loaded checkpoint (``{'state_dict': ...}`` or a bare state dict).
        filename: the checkpoint's path, for the message.
        config: the config the model was built from, for the message.
        allow_partial: accept a partial load as long as at least one key matches.

    Returns:
        The mismatch (empty when the checkpoint fits).
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, Mapping) else {}
    state = strip_module_prefix(state) if isinstance(state, Mapping) else {}
    mismatch = compare_state_dicts(model.state_dict(), state)
    allow_partial = allow_partial or partial_load_allowed()
    if not mismatch or (allow_partial and mismatch.matched):
        return mismatch
    where = f' for {config}' if config else ''
    hint = layout_hint(list(state)) or (
        'check that the checkpoint was trained with this config (or pass --allow-partial-load / set '
        f'{PARTIAL_ENV}=1 for an intended partial load)')
    if not mismatch.matched:
        summary = f'no weight of it fits the model{where} ({len(state)} keys, first {list(state)[:2]})'
    else:
        counts = []
        for name, keys in (('missing', mismatch.missing), ('unexpected', mismatch.unexpected),
                           ('wrong shape', mismatch.shapes)):
            if keys:
                counts.append(f'{len(keys)} {name}')
        summary = (f'it does not fit the model{where}: {mismatch.matched} keys match, {", ".join(counts)} '
                   f'(first: {mismatch.first()})')
    raise CheckpointMismatchError(f'checkpoint {filename}: {summary}; {hint}')
