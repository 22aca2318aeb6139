"""``--data-root``: point a loaded config at another data folder, and refuse the override that does nothing.

The configs are pure Python: ``data_root = 'data/coco/'`` is a variable that every dataset and evaluator copied
(``data_root=data_root``, ``ann_file=data_root + '...'``) when the file was loaded. Changing the top-level
``data_root`` afterwards (``--cfg-options data_root=...``) therefore changes nothing. :func:`rewrite_data_root`
instead rewrites every string of the loaded config that lies under the old root (dataset ``data_root`` inside
any wrapper, evaluator ``ann_file``, ``bbox_file``, PoseFix results files, ...), and names the dataset roots it
left alone because they are elsewhere (e.g. an unlabeled-image folder).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

#: top-level entries that are runtime settings, not data paths (never treated as a data root)
_RUNTIME_KEYS = frozenset({'work_dir', 'load_from', 'resume', 'launcher', 'default_scope', 'log_level'})

Change = Tuple[str, str, str]  # (config key, old value, new value)


class DataRootError(ValueError):
    """A ``--data-root`` or ``--cfg-options`` that cannot do what the user asked; the message says what to do."""


def _norm(root: str) -> str:
    return root.rstrip('/') or '/'


def _under(value: str, root: str) -> bool:
    root = _norm(root)
    return value.rstrip('/') == root or value.startswith(root + '/')


def _walk(node: Any, key: str, visit) -> Any:
    """Calls ``visit(key, string)`` for every string inside dicts and lists and stores what it returns (tuples,
    e.g. sizes, are left alone).

    Values are read raw (``dict.__getitem__``) and written back only when they changed: reading a pure-Python
    config's entries through ``ConfigDict`` would resolve its lazy ``type`` classes, which the Runner's config
    dump then cannot print.
    """
    if isinstance(node, dict):
        for k in list(dict.keys(node)):
            value = dict.__getitem__(node, k)
            new = _walk(value, f'{key}.{k}' if key else str(k), visit)
            if new is not value:
                node[k] = new
        return node
    if isinstance(node, list):
        for i, item in enumerate(node):
            new = _walk(item, f'{key}.{i}', visit)
            if new is not item:
                node[i] = new
        return node
    if isinstance(node, str):
        return visit(key, node)
    return node


def dataset_roots(cfg: Config) -> Dict[str, str]:
    """``{config key: value}`` of every ``data_root`` entry inside the config's dataloaders."""
    roots: Dict[str, str] = {}

    def visit(key: str, value: str) -> str:
        if key.endswith('.data_root'):
            roots[key] = value
        return value

    for name in _data_sections(cfg):
        _walk(dict.get(cfg._cfg_dict, name), name, visit)
    return roots


def _data_sections(cfg: Config) -> List[str]:
    """Top-level entries that hold data paths: the dataloaders, evaluators and loop settings."""
    return [k for k in cfg.keys()
            if k.endswith(('_dataloader', '_evaluator')) or k in ('test_cfg', 'val_cfg', 'train_cfg')]


def default_data_root(cfg: Config) -> str:
    """The config's data root: its top-level ``data_root``, or the one root all its datasets share."""
    root = cfg.get('data_root', None)
    if isinstance(root, str) and root:
        return root
    roots = sorted(set(dataset_roots(cfg).values()))
    if len(roots) == 1:
        return roots[0]
    listed = ', '.join(roots) or 'none'
    raise DataRootError(f'this config has no top-level data_root and its datasets use {len(roots)} roots '
                        f'({listed}); give --data-root OLD=NEW for each root to move')


def rewrite_data_root(cfg: Config, new_root: str, old_root: Optional[str] = None,
                      dry_run: bool = False) -> Tuple[List[Change], Dict[str, str]]:
    """Rewrites every path of ``cfg`` under ``old_root`` (default: the config's data root) to ``new_root``.

    Args:
        cfg: a loaded config; changed in place unless ``dry_run``.
        new_root: the folder to use instead.
        old_root: the folder to replace; ``None`` takes :func:`default_data_root`.
        dry_run: only report what would change.

    Returns:
        ``(changes, others)``: the ``(key, old, new)`` entries rewritten, and the dataset ``data_root`` entries
        (``{key: value}``) that lie elsewhere and were left alone.
    """
    old = _norm(old_root if old_root is not None else default_data_root(cfg))
    new = _norm(new_root)
    changes: List[Change] = []
    others: Dict[str, str] = {}

    def visit(key: str, value: str) -> str:
        if not _under(value, old):
            if key.endswith('.data_root') and value:
                others[key] = value
            return value
        if value.rstrip('/') == old:
            rewritten = new + ('/' if value.endswith('/') else '')
        else:
            rewritten = new + value[len(old):]
        if rewritten != value:
            changes.append((key, value, rewritten))
        return value if dry_run else rewritten

    for name in _data_sections(cfg):
        _walk(dict.get(cfg._cfg_dict, name), name, visit)
    if not dry_run and isinstance(cfg.get('data_root', None), str) and _under(cfg.data_root, old):
        cfg.data_root = new + '/'
    return changes, others


def apply_data_root_args(cfg: Config, specs: Optional[Sequence[str]]) -> List[str]:
    """Applies ``--data-root`` values (``NEW`` or ``OLD=NEW``, repeatable); returns lines for the log.

    Raises :class:`DataRootError` when a root matches nothing (a typo in ``OLD``, or a config without paths).
    """
    lines: List[str] = []
    for spec in specs or []:
        old, sep, new = spec.partition('=')
        if not sep:
            old, new = None, spec
        if not new:
            raise DataRootError(f'--data-root {spec!r}: give a folder (NEW or OLD=NEW)')
        changes, others = rewrite_data_root(cfg, new, old)
        if not changes:
            raise DataRootError(f'--data-root {spec}: no entry of the config lies under '
                                f'{old or default_data_root(cfg)}; nothing to rewrite')
        lines.append(f'--data-root {spec}: {len(changes)} entries now under {_norm(new)}/: '
                     + ', '.join(key for key, _, _ in changes))
        for key, value in others.items():
            lines.append(f'  kept {key}={value} (not under {old or "the data root"}; move it with '
                         f'--data-root {value}=DIR)')
    return lines


def refuse_top_level_root_options(cfg: Config, options: Optional[Dict[str, Any]]) -> None:
    """Refuses ``--cfg-options data_root=X`` (or any top-level ``*_root``): it would change nothing.

    Checked against the config as loaded, before the options are merged. The message names ``--data-root`` and
    the keys that do work.
    """
    for key, value in (options or {}).items():
        if '.' in key or key in _RUNTIME_KEYS:
            continue
        current = cfg.get(key, None)
        if not isinstance(current, str) or not current:
            continue
        changes, _ = rewrite_data_root(cfg, str(value), current, dry_run=True)
        if not changes and not key.endswith('root'):
            continue
        keys = ' '.join(f'{k}=...' for k, _, _ in changes[:8]) + (' ...' if len(changes) > 8 else '')
        flag = f'--data-root {value}' if key == 'data_root' else f'--data-root {current}={value}'
        raise DataRootError(
            f'--cfg-options {key}={value} would change nothing: the config copied {key} into its datasets and '
            f'evaluators when it was loaded. Use {flag} instead'
            + (f' (it rewrites {len(changes)} entries), or set those keys: {keys}' if changes else ''))
