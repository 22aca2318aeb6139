"""The student of an ``FPDDistiller`` checkpoint as a plain checkpoint (used by the export tool and analysis)."""
from __future__ import annotations

from typing import Any, Dict

STUDENT_PREFIX = 'student.'
# teacher weights (a distiller that registers its teacher) and the non-persistent normalisation constants
DROPPED_PREFIXES = ('teacher.', 'data_preprocessor.')


class ExportError(ValueError):
    """The checkpoint is not one of an FPDDistiller, or its student does not fit the given config."""


def student_checkpoint(checkpoint: Any, source: str) -> Dict[str, Any]:
    """``{'state_dict': student weights, 'meta': ...}`` from a distiller checkpoint (already loaded)."""
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get('state_dict'), dict):
        raise ExportError(f'{source}: no state_dict in the checkpoint')
    weights = checkpoint['state_dict']
    if not any(key.startswith(STUDENT_PREFIX) for key in weights):
        raise ExportError(f'{source}: no student.* weights; this is not a checkpoint of an FPDDistiller training '
                          '(a plain model checkpoint needs no export)')
    state = {}
    for key, value in weights.items():
        if key.startswith(STUDENT_PREFIX):
            state[key[len(STUDENT_PREFIX):]] = value
        elif not key.startswith(DROPPED_PREFIXES):
            raise ExportError(f'{source}: unexpected key {key!r}; an FPDDistiller checkpoint holds student.* keys '
                              'only')
    meta = dict(checkpoint.get('meta') or {})
    meta['exported_from'] = source
    return dict(state_dict=state, meta=meta)
