"""ModelComplexityHook with the real Runner on the MPII sample: the printed table has the PCKh columns with the
metric's values plus Params (M) = sum of numel and GFLOPs at the model's input size, the figures reach the logged
metrics, and counting leaves every module's train/eval flag as it was."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_ext.engine import ModelComplexityHook

ROOT = Path(__file__).resolve().parents[2]
MPII = ROOT / 'tests' / 'data' / 'mpii'
CONFIG = ROOT / 'configs' / 'baselines' / 'td-hm_hrnet-w32_mpii-256x256.py'
COLUMNS = ['Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle', 'Mean', 'Mean@0.1']


def mpii_sample_config(work_dir: Path) -> Config:
    """The MPII HRNet config on the 5 persons of tests/data/mpii, with the demo's small HRNet as the model and
    the custom hooks of the MPII data base file."""
    cfg = Config.fromfile(str(CONFIG))
    cfg.custom_hooks = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'mpii_topdown_256x256.py')).custom_hooks
    root = str(MPII) + '/'
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.update(batch_size=5, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=root, ann_file='test_mpii.json', data_prefix=dict(img=''))
        if name != 'train_dataloader':
            loader.dataset.headbox_file = root + 'mpii_gt_val_sample5.mat'
    cfg.model.backbone.update(extra=Config.fromfile(str(ROOT / 'configs' / '_base_' / 'hrnet_extra.py'))
                              .hrnet_lite_extra, init_cfg=None)
    cfg.model.head.in_channels = 16
    cfg.work_dir = str(work_dir)
    return cfg


def table_in_log(runner: Runner, mode: str) -> List[Dict[str, str]]:
    """The hook's tables of ``mode`` in the run's log file, as {header: cell} rows."""
    lines = (Path(runner.log_dir) / f'{runner.timestamp}.log').read_text().splitlines()
    rows = []
    for i, line in enumerate(lines):
        if line.endswith(f'{mode} results with model complexity:'):
            header, align, row = (lines[i + k].strip('| ').split(' | ') for k in (1, 2, 3))
            assert set(align) <= {'---', '---:'}
            rows.append(dict(zip(header, row)))
    return rows


class BackboneThenHead(torch.nn.Module):
    """The estimator's layers called directly, not through its tensor mode that the hook uses."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.backbone, self.head = model.backbone, model.head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def independent_gflops(model: torch.nn.Module, width: int, height: int) -> float:
    net = BackboneThenHead(model).eval()
    analyzer = FlopAnalyzer(net, (torch.zeros(1, 3, height, width), ))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total() / 1e9


@pytest.fixture(scope='module')
def tested_runner(tmp_path_factory):
    """One runner for the module: one training epoch with validation, then the test (both evaluations the hook
    reports)."""
    cfg = mpii_sample_config(tmp_path_factory.mktemp('complexity'))
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.default_hooks.checkpoint.update(interval=1, save_best='mpii/Mean')
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner, runner.test()


def test_mpii_base_config_adds_the_hook():
    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'mpii_topdown_256x256.py'))
    assert [h['type'] for h in cfg.custom_hooks][-1] is ModelComplexityHook


MPII_CONFIGS = sorted(p for p in (ROOT / 'configs').rglob('*mpii*.py') if p.parent.name != '_base_')


def test_mpii_configs_exist():
    assert len(MPII_CONFIGS) >= 8, MPII_CONFIGS


@pytest.mark.parametrize('config', MPII_CONFIGS, ids=lambda p: p.name)
def test_every_mpii_config_keeps_the_hook(config: Path):
    # a config that imports default_runtime after the MPII base silently replaces custom_hooks (this happened)
    cfg = Config.fromfile(str(config))
    assert ModelComplexityHook in [h['type'] for h in cfg.custom_hooks], f'{config.name}: {cfg.custom_hooks}'


def test_table_has_pckh_columns_params_and_gflops(tested_runner):
    runner, metrics = tested_runner
    model = runner.model
    params = sum(p.numel() for p in model.parameters())
    assert metrics['params_m'] == params / 1e6
    assert metrics['gflops'] == pytest.approx(independent_gflops(model, 256, 256), rel=1e-6)
    assert 0.1 < metrics['gflops'] < 5  # the small HRNet at 256x256: a real count, not 0

    (row, ) = table_in_log(runner, 'test')
    assert list(row) == ['model', 'input'] + COLUMNS + ['Params (M)', 'GFLOPs']
    assert row['model'] == Path(runner.cfg.filename).stem and row['input'] == '256x256'
    for name in COLUMNS:
        assert float(row[name]) == pytest.approx(metrics[f'mpii/{name}'], abs=0.006), name
    assert float(row['Params (M)']) == pytest.approx(params / 1e6, abs=0.006)
    assert float(row['GFLOPs']) == pytest.approx(metrics['gflops'], abs=0.006)


def test_validation_table_and_logged_metrics(tested_runner):
    runner, metrics = tested_runner
    (row, ) = table_in_log(runner, 'val')
    hub = runner.message_hub
    assert float(row['Mean']) == pytest.approx(hub.get_scalar('val/mpii/Mean').current(), abs=0.006)
    # the hook runs before RuntimeInfoHook, so the figures reach the message hub (logger, json log, save_best)
    assert hub.get_scalar('val/params_m').current() == metrics['params_m']
    assert hub.get_scalar('val/gflops').current() == metrics['gflops']
    assert list(metrics)[0] == 'mpii/Head'  # appended: save_best='auto' still picks the metric's first key


def test_counting_keeps_each_modules_train_flag_and_scales_with_input(tested_runner):
    runner, metrics = tested_runner
    model = runner.model
    model.train()
    model.backbone.layer1.eval()  # e.g. frozen layers; a plain model.train(True) afterwards would undo this
    flags = {name: m.training for name, m in model.named_modules()}
    hook = ModelComplexityHook(input_size=(128, 128))
    hook.measure(runner)
    assert {name: m.training for name, m in model.named_modules()} == flags
    # every feature map of a fully convolutional HRNet has a quarter of the pixels: exactly a quarter the FLOPs
    assert hook.gflops == pytest.approx(metrics['gflops'] / 4, rel=1e-9)
    assert hook.params_m == metrics['params_m']


def test_generic_metrics_and_explicit_columns():
    coco = {'coco/AP': 0.51, 'coco/AP .5': 0.8, 'coco/AR': 0.6}
    assert ModelComplexityHook().select_columns(coco) == [('AP', 'coco/AP'), ('AP .5', 'coco/AP .5'),
                                                          ('AR', 'coco/AR')]
    lsp = {'lsp/Head': 90.0, 'lsp/Ankle': 80.0, 'lsp/Mean': 85.0, 'lsp/Mean@0.1': 40.0, 'lsp/single/Mean': 1.0}
    assert [h for h, _ in ModelComplexityHook().select_columns(lsp)] == ['Head', 'Ankle', 'Mean', 'Mean@0.1']
    two = {'a/Mean': 1.0, 'b/Mean': 2.0}
    assert ModelComplexityHook(columns=['Mean']).select_columns(two) == [('a/Mean', 'a/Mean'), ('b/Mean', 'b/Mean')]


def test_bad_settings_fail_before_the_evaluation(tmp_path: Path):
    with pytest.raises(ValueError, match='width, height'):
        ModelComplexityHook(input_size=(256, ))
    runner = Runner.from_cfg(mpii_sample_config(tmp_path))
    with pytest.raises(AttributeError, match="no submodule 'student'"):
        ModelComplexityHook(module='student').before_run(runner)
    with pytest.raises(ValueError, match='input_size=\\(W, H\\)'):
        ModelComplexityHook(module='backbone').before_run(runner)  # a backbone has no codec
    hook = ModelComplexityHook(module='backbone', input_size=(64, 64))
    hook.before_run(runner)
    hook.measure(runner)
    assert hook.params_m == sum(p.numel() for p in runner.model.backbone.parameters()) / 1e6
