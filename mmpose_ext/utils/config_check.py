"""``--cfg-options`` that fail loudly: a key the config does not have and nothing would read is an error.

mmengine merges ``--cfg-options`` into the config as given: a misspelled key inside a dict
(``model.test_cfg.flip_tset=False``) is added next to the real one and silently ignored, and a misspelled
constructor argument (``train_cfg.max_epoch=1``) ends in a ``TypeError`` after the whole config is printed. Here
every key is checked before anything is built: a key that exists is fine; a new key must be a parameter of the
class its dict builds (``type=...``), of the loop/dataloader mmengine builds from an untyped dict
(``train_cfg``, ``*_dataloader``, ...), a ``test_cfg``/``train_cfg`` entry some head reads, or a Runner argument
at the top level. Anything else is refused with the closest existing key.
"""
from __future__ import annotations

import difflib
import functools
import inspect
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set

from mmengine.config import Config


class ConfigKeyError(KeyError):
    """A ``--cfg-options`` key that nothing in the config would read."""

    def __str__(self) -> str:  # KeyError quotes its message
        return str(self.args[0])


def _params(cls: Any) -> Optional[Set[str]]:
    """Named ``__init__`` parameters of ``cls`` and, where it passes ``**kwargs`` on, of its bases (the usual
    subclass pattern); ``None`` when the chain ends in ``**kwargs`` that nothing names (cannot be checked)."""
    names: Set[str] = set()
    for klass in (cls.__mro__ if inspect.isclass(cls) else (cls, )):
        init = klass.__dict__.get('__init__') if inspect.isclass(klass) else klass
        if init is None:
            continue
        if klass is object:
            return None
        try:
            signature = inspect.signature(init)
        except (TypeError, ValueError):
            return None
        names |= {n for n, p in signature.parameters.items()
                  if n != 'self' and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            return names
    return None


def _resolve(kind: Any) -> Any:
    """The class a ``type`` entry names (class objects as they are; strings through mmpose's registries)."""
    if not isinstance(kind, str):
        return kind
    from mmpose import registry
    for name in dir(registry):
        reg = getattr(registry, name)
        if hasattr(reg, 'get') and hasattr(reg, 'module_dict'):
            try:
                found = reg.get(kind)
            except Exception:  # a registry whose scope cannot import; try the next
                found = None
            if found is not None:
                return found
    return None


@functools.lru_cache(maxsize=None)
def _keys_read_by_models(field: str) -> frozenset:
    """Every ``<field>.get('x')`` / ``<field>['x']`` key that mmpose's and this plugin's models read."""
    import mmpose

    import mmpose_ext
    pattern = re.compile(rf"{field}\.get\(\s*['\"](\w+)['\"]|{field}\[\s*['\"](\w+)['\"]\s*\]")
    keys: Set[str] = set()
    for package in (mmpose, mmpose_ext):
        for path in (Path(package.__file__).parent / 'models').rglob('*.py'):
            for match in pattern.finditer(path.read_text(encoding='utf-8', errors='ignore')):
                keys.add(match.group(1) or match.group(2))
    return frozenset(keys)


def _untyped_params(path: List[str], node: Dict[str, Any]) -> Optional[Set[str]]:
    """What mmengine/mmpose build from a dict without ``type`` at ``path``; ``None`` when unknown."""
    from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop, Runner, TestLoop, ValLoop
    from torch.utils.data import DataLoader
    where = '.'.join(path)
    if where == '':
        return set(inspect.signature(Runner.__init__).parameters) | {
            'runner_type', 'data_mode', 'dataset_type', 'gpu_ids', 'filename', 'default_scope'}
    if where in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        return set(inspect.signature(DataLoader.__init__).parameters) - {'self'}
    loops = {'train_cfg': EpochBasedTrainLoop if node.get('by_epoch', True) else IterBasedTrainLoop,
             'val_cfg': ValLoop, 'test_cfg': TestLoop}
    if where in loops:
        return (_params(loops[where]) or set()) - {'runner', 'dataloader', 'evaluator'} | {'by_epoch', 'type'}
    if len(path) >= 2 and path[-1] in ('test_cfg', 'train_cfg') and path[0] == 'model':
        return set(_keys_read_by_models(path[-1]))
    if where == 'auto_scale_lr':
        return {'enable', 'base_batch_size'}
    if where == 'randomness':
        return {'seed', 'deterministic', 'diff_rank_seed'}
    if where == 'env_cfg':
        return {'cudnn_benchmark', 'mp_cfg', 'dist_cfg'}
    return None


def _allowed_new_keys(path: List[str], node: Dict[str, Any], options: Dict[str, Any]) -> Optional[Set[str]]:
    """Keys that may be added to ``node`` (at ``path``); ``None`` when anything may be (unknown reader). A ``type``
    set by the same ``options`` counts as the node's."""
    kind = options.get('.'.join(path + ['type']), node.get('type'))
    if kind is not None:
        cls = _resolve(kind)
        return None if cls is None else _params(cls)
    return _untyped_params(path, node)


def _refuse(key: str, part: str, where: str, existing: Iterable[str], source: str) -> ConfigKeyError:
    existing = list(dict.fromkeys(str(k) for k in existing))
    close = difflib.get_close_matches(part, existing, n=2, cutoff=0.6)
    hint = f'; did you mean {" or ".join(close)}?' if close else ''
    return ConfigKeyError(f'--cfg-options {key}: {where or "the config"} has no key {part!r} and nothing would read '
                          f'it{hint} (config {source}; a new key on purpose belongs in the config file)')


def check_cfg_options(cfg: Config, options: Dict[str, Any]) -> None:
    """Raises :class:`ConfigKeyError` for the first ``--cfg-options`` key nothing in ``cfg`` would read.

    Args:
        cfg: the config as loaded from its file, before the options are merged.
        options: the parsed ``--cfg-options`` (``{'a.b.c': value}``).
    """
    source = cfg.filename or 'given'
    for key in options:
        parts = key.split('.')
        node: Any = cfg._cfg_dict
        for depth, part in enumerate(parts):
            path = parts[:depth]
            where = '.'.join(path)
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigKeyError(f'--cfg-options {key}: {where} is a list of {len(node)} entries; '
                                         f'{part!r} is not an index of it (config {source})')
                node = node[int(part)]
                continue
            if not isinstance(node, dict):
                break  # replacing a value below a non-dict: mmengine will say so
            if part in node:
                node = node[part]
                continue
            allowed = _allowed_new_keys(path, node, options)
            if allowed is not None and part not in allowed | {'type'}:
                raise _refuse(key, part, where, list(node) + sorted(allowed), source)
            break  # a new key that its reader accepts (or whose reader cannot be checked)
