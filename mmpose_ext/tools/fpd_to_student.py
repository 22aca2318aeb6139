"""Turn a checkpoint of an ``FPDDistiller`` training into a plain checkpoint of its student.

The distiller keeps the student as ``student.*`` and never saves the teacher; the export strips the prefix, drops
the resume state (optimizer, schedulers, message hub) and keeps ``meta``, so that the student's own config
evaluates it: ``python tools/test.py STUDENT_CONFIG OUT``.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Sequence

import torch

from mmpose_ext.models.distillers.student_export import (DROPPED_PREFIXES, STUDENT_PREFIX, ExportError,  # noqa: F401
                                                       student_checkpoint)


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
