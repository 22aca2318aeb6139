"""Shared fixtures: paths, the real samples in tests/data, and configs redirected to them."""
from __future__ import annotations

import os
import os.path as osp
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / 'tests' / 'data'
sys.path.insert(0, str(ROOT))

import mmpose_ext  # noqa: E402,F401  (registers the plugin before any test builds anything)


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope='session')
def data_dir() -> Path:
    return DATA


def _run_tool(args: List[str], cwd: Path = ROOT, env: Dict[str, str] | None = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
    """Runs a command as a user would and fails the test with its output when it fails."""
    full_env = {**os.environ, 'PYTHONUNBUFFERED': '1', **(env or {})}
    proc = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f'command failed ({proc.returncode}): {" ".join(map(str, args))}\n'
                    f'--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}')
    return proc


def point_config_at_coco_sample(cfg: Any, work_dir: Path, max_epochs: int = 2, batch_size: int = 4) -> Any:
    """Redirects a COCO top-down config to the 4-image sample in tests/data/coco, with small CPU settings."""
    root = str(DATA / 'coco') + '/'
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=root, ann_file='test_coco.json', data_prefix=dict(img=''))
        if 'bbox_file' in loader.dataset:
            loader.dataset.bbox_file = None
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = root + 'test_coco.json'
    backbone = cfg.model.get('backbone', {})
    if 'init_cfg' in backbone:  # pretrained weights would be downloaded
        backbone.init_cfg = None
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None, max_keep_ckpts=-1)
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.fixture(scope='session')
def tiny_set(tmp_path_factory) -> Path:
    """A synthetic crowd set in the COCO layout, 2 training and 1 validation image of 96x96 (read-only use)."""
    from mmpose_ext.tools.generate_synthetic_crowd import main as generate
    data = tmp_path_factory.mktemp('tiny_set')
    generate([str(data), '--num-train', '2', '--num-val', '1', '--image-size', '96', '96', '--layout', 'coco',
              '--no-progress'])
    return data


@pytest.fixture(scope='session')
def run_tool():
    """``run_tool([...])``: runs a command from the repository root, failing the test with its output."""
    return _run_tool


@pytest.fixture
def coco_sample_config(tmp_path: Path):
    """Factory: ``coco_sample_config('configs/x.py')`` -> path of a dumped copy pointed at tests/data/coco."""
    from mmengine.config import Config

    def make(config: str, **kwargs: Any) -> Path:
        cfg = Config.fromfile(str(ROOT / config))
        point_config_at_coco_sample(cfg, tmp_path / 'work', **kwargs)
        out = tmp_path / osp.basename(config)
        cfg.dump(str(out))
        return out

    return make
