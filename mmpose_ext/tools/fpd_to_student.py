"""Turn a checkpoint of an ``FPDDistiller`` training into a plain checkpoint of its student.

The distiller keeps the student as ``student.*`` and never saves the teacher; the export strips the prefix, drops
the resume state (optimizer, schedulers, message hub) and keeps ``meta``, so that the student's own config
evaluates it: ``python tools/test.py STUDENT_CONFIG OUT``.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import torch

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


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export the student of an FPDDistiller checkpoint as a plain '
                                     'checkpoint that the student config loads.')
    parser.add_argument('checkpoint', help='checkpoint written by training an FPD config (e.g. best_*.pth)')
    parser.add_argument('out', help='output checkpoint path')
    parser.add_argument('--config', help="check the result against this student config's model and refuse to "
                        'write on any mismatch')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmpose_ext.utils.checkpoint_conversion import ConversionError, refuse_mismatch
    from mmpose_ext.utils.safe_checkpoint import UntrustedCheckpointError

    if not Path(args.checkpoint).is_file():
        raise SystemExit(f'error: {args.checkpoint} does not exist')
    try:
        exported = student_checkpoint(CheckpointLoader.load_checkpoint(args.checkpoint, map_location='cpu'),
                                      args.checkpoint)
        if args.config:
            refuse_mismatch(exported['state_dict'], args.config, f'the student of {args.checkpoint}')
    except (ExportError, ConversionError, UntrustedCheckpointError) as err:
        raise SystemExit(f'error: {err}')
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(exported, args.out)
    print(f'wrote {args.out}: {len(exported["state_dict"])} student tensors'
          + (f', matches {args.config}' if args.config else ''))
