"""Absolute paths to mmpose's dataset metainfo files.

mmpose's dataset classes name their metainfo as ``configs/_base_/datasets/<name>.py``, a path relative to the
working directory that falls back to mmpose's installed copy with a warning. A repository that has its own
``configs/_base_/datasets/`` folder would shadow it. The plugin's classes use the installed file directly.
"""
from __future__ import annotations

import os.path as osp


def mmpose_metainfo(name: str) -> dict:
    """``dict(from_file=...)`` for mmpose's ``configs/_base_/datasets/<name>`` (installed or source checkout)."""
    import mmpose
    root = osp.dirname(mmpose.__file__)
    for candidate in (osp.join(root, '.mim', 'configs', '_base_', 'datasets', name),
                      osp.join(osp.dirname(root), 'configs', '_base_', 'datasets', name)):
        if osp.isfile(candidate):
            return dict(from_file=candidate)
    raise FileNotFoundError(f'mmpose metainfo file {name} not found under {root} (is mmpose installed fully?)')
