"""Params and GFLOPs of the evaluated model, printed with the evaluation metrics as one pasteable table."""
from __future__ import annotations

import os.path as osp
from operator import attrgetter
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from mmpose_ext.utils.complexity import count_gflops

# The columns of the MPII / LSP result tables (the official MATLAB layout); 'Mean@<t>' columns follow 'Mean'.
PCK_TABLE_COLUMNS = ('Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle', 'Mean')


@HOOKS.register_module()
class ModelComplexityHook(Hook):
    """Prints the evaluation metrics together with the model's parameters and GFLOPs, after every validation and
    test epoch, as one Markdown table row that can be pasted next to the reference tables of a paper.

    Made for the per-joint PCK tables of MPII (PCKh, Andriluka et al., CVPR 2014) and LSP (PCK, Johnson and
    Everingham, BMVC 2010) as reported by Stacked Hourglass (Newell et al., ECCV 2016) and Fast Pose Distillation
    (Zhang et al., CVPR 2019): ``| model | input | Head | ... | Mean | Mean@0.1 | Params (M) | GFLOPs |``. It works
    for any metric: without PCK-table keys it shows every ``<prefix>/<name>`` scalar (e.g. COCO AP).

    Params are ``sum(p.numel())`` over the unwrapped model (DDP and friends removed); GFLOPs are those of one
    forward pass at the model's input size, counted once with
    :func:`mmpose_ext.analysis.benchmark.count_gflops` (one multiply-add = one FLOP, mmengine's convention) on
    the device the model is on. Every module's train/eval flag is restored afterwards. With ``log_metrics`` the
    figures are also added to the metrics as ``params_m`` and ``gflops``; the hook runs before
    :class:`mmengine.hooks.RuntimeInfoHook` so that the logger, the json log and ``tools/test.py --out`` have them.

    Args:
        columns: metric names to show, in order, matched against the metric keys without their prefix
            (``'Mean'`` matches ``'mpii/Mean'``). Default: the PCK table columns found, then every ``Mean@<t>``;
            where none is found, every ``<prefix>/<name>`` scalar.
        input_size: (width, height) of the GFLOPs count. Default: the input size of the model's codec
            (``model.head.decoder.input_size``).
        module: dotted attribute path of the submodule to measure instead of the whole model, e.g. the student
            of a distiller.
        model_name: the row label. Default: the config file name without ``.py``.
        log_metrics: add ``params_m`` and ``gflops`` to the evaluation metrics.
    """

    priority = 'HIGHEST'  # RuntimeInfoHook (VERY_HIGH) copies the metrics to the message hub after this hook

    def __init__(self, columns: Optional[Sequence[str]] = None, input_size: Optional[Sequence[int]] = None,
                 module: Optional[str] = None, model_name: Optional[str] = None, log_metrics: bool = True) -> None:
        if input_size is not None and (len(input_size) != 2 or min(input_size) <= 0):
            raise ValueError(f'ModelComplexityHook: input_size must be (width, height), got {input_size}')
        self.columns = tuple(columns) if columns is not None else None
        self.input_size: Optional[Tuple[int, int]] = tuple(int(v) for v in input_size) if input_size else None
        self.module = module
        self.model_name = model_name
        self.log_metrics = log_metrics
        self.params_m: Optional[float] = None
        self.gflops: Optional[float] = None
        self._measured = False

    # what is measured ------------------------------------------------------------------------------------------
    def measured_model(self, runner) -> torch.nn.Module:
        """The unwrapped model, or its submodule ``module``."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if self.module is None:
            return model
        try:
            return attrgetter(self.module)(model)
        except AttributeError as err:
            raise AttributeError(f'ModelComplexityHook: the model {type(model).__name__} of '
                                 f'{_config_name(runner)} has no submodule {self.module!r}') from err

    def _resolve_input_size(self, runner) -> Tuple[int, int]:
        if self.input_size is not None:
            return self.input_size
        model = self.measured_model(runner)
        size = getattr(getattr(getattr(model, 'head', None), 'decoder', None), 'input_size', None)
        if size is None:
            raise ValueError(f'ModelComplexityHook: cannot tell the input size of {type(model).__name__} in '
                             f'{_config_name(runner)} (it has no head.decoder.input_size); set input_size=(W, H) '
                             'in the hook config')
        return tuple(int(v) for v in size)

    def measure(self, runner) -> None:
        """Counts params and GFLOPs once; later calls keep the first figures."""
        if self._measured:
            return
        if self.input_size is None:
            self.input_size = self._resolve_input_size(runner)
        model = self.measured_model(runner)
        self.params_m = sum(p.numel() for p in model.parameters()) / 1e6
        first = next(model.parameters(), None)
        device = str(first.device) if first is not None else 'cpu'
        # count_gflops switches the whole model to eval and back to one flag; restore each module's own flag
        # (frozen BN layers, a distiller's teacher kept in eval)
        modes = {m: m.training for m in model.modules()}
        try:
            with torch.no_grad():
                self.gflops = count_gflops(model, self.input_size, device)
        finally:
            for m, training in modes.items():
                m.training = training
        self._measured = True

    # hook points -----------------------------------------------------------------------------------------------
    def before_run(self, runner) -> None:
        self.input_size = self._resolve_input_size(runner)  # fail before a long evaluation, not after it

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, metrics, 'val')

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._report(runner, metrics, 'test')

    def _report(self, runner, metrics: Optional[Dict[str, float]], mode: str) -> None:
        self.measure(runner)
        metrics = metrics if metrics is not None else {}
        runner.logger.info(f'\n{mode} results with model complexity:\n' + self.format_table(runner, metrics))
        if self.log_metrics:
            metrics['params_m'] = self.params_m
            if self.gflops is not None:
                metrics['gflops'] = self.gflops

    # the table -------------------------------------------------------------------------------------------------
    def select_columns(self, metrics: Dict[str, float]) -> List[Tuple[str, str]]:
        """(header, metric key) pairs of the metric columns shown."""
        scalar = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and k not in ('params_m', 'gflops')}
        by_name: Dict[str, List[str]] = {}
        for key in scalar:
            by_name.setdefault(key.split('/', 1)[1] if key.count('/') == 1 else key, []).append(key)
        if self.columns is not None:
            names = list(self.columns)
        else:
            names = [n for n in PCK_TABLE_COLUMNS if n in by_name] + [n for n in by_name if n.startswith('Mean@')]
            if not names:
                return [(k.split('/', 1)[1], k) for k in scalar if k.count('/') == 1]
        pairs: List[Tuple[str, str]] = []
        for name in names:
            keys = by_name.get(name, [])
            # the same name from two metrics (two evaluators) is shown with each full key
            pairs += [(name if len(keys) == 1 else key, key) for key in keys]
        return pairs

    def format_table(self, runner, metrics: Dict[str, float]) -> str:
        """The Markdown table: header, alignment row and this model's row."""
        pairs = self.select_columns(metrics)
        missing = [c for c in (self.columns or ()) if c not in {h.split('/')[-1] for h, _ in pairs}]
        if missing:
            runner.logger.warning(f'ModelComplexityHook: no metric named {missing} in {sorted(metrics)}')
        name = self.model_name or _config_name(runner)
        w, h = self.input_size
        header = ['model', 'input'] + [h_ for h_, _ in pairs] + ['Params (M)', 'GFLOPs']
        # PCK tables are in percent (2 decimals as in the papers); AP-like tables in [0, 1] need 3
        decimals = 3 if all(-1 <= metrics[k] <= 1 for _, k in pairs) else 2
        row = [name, f'{w}x{h}'] + [f'{metrics[k]:.{decimals}f}' for _, k in pairs] + [
            _format_amount(self.params_m), _format_amount(self.gflops)]
        align = ['---', '---'] + ['---:'] * (len(header) - 2)
        return '\n'.join('| ' + ' | '.join(cells) + ' |' for cells in (header, align, row))


def _config_name(runner) -> str:
    filename = getattr(runner.cfg, 'filename', None)
    return osp.splitext(osp.basename(filename))[0] if filename else runner.experiment_name


def _format_amount(value: Optional[float]) -> str:
    if value is None:
        return '-'
    return f'{value:.2f}' if value >= 1 else f'{value:.3f}'
