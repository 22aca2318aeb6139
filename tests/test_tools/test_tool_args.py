"""The train/test flags fold into the config the way MMPose's tools do, and bad input stops early."""
from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.device import get_device

from mmpose_ext.tools import test as test_tool
from mmpose_ext.tools import train as train_tool
from mmpose_ext.tools.common import load_config

CONFIG = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'


def train_cfg_for(argv, repo_root: Path):
    args = train_tool.parse_args([str(repo_root / CONFIG), *argv])
    return train_tool.apply_train_args(load_config(args), args)


def test_work_dir_defaults_to_config_name(repo_root: Path):
    cfg = train_cfg_for([], repo_root)
    assert cfg.work_dir == './work_dirs/td-hm_hrnet-lite_synthcrowd-128x96'
    assert cfg.launcher == 'none' and cfg.resume is False


def test_resume_auto_and_explicit(repo_root: Path):
    auto = train_cfg_for(['--resume'], repo_root)
    assert auto.resume is True and auto.load_from is None
    explicit = train_cfg_for(['--resume', 'work_dirs/x/epoch_3.pth'], repo_root)
    assert explicit.resume is True and explicit.load_from == 'work_dirs/x/epoch_3.pth'


def test_no_validate_and_cfg_options(repo_root: Path):
    cfg = train_cfg_for(['--no-validate', '--work-dir', '/tmp/w', '--cfg-options', 'train_cfg.max_epochs=3',
                         'train_dataloader.batch_size=2'], repo_root)
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.val_evaluator is None
    assert cfg.work_dir == '/tmp/w' and cfg.train_cfg.max_epochs == 3 and cfg.train_dataloader.batch_size == 2


@pytest.mark.skipif(get_device() != 'cpu', reason='an accelerator is present: --amp is valid here')
def test_amp_on_cpu_says_why(repo_root: Path):
    with pytest.raises(SystemExit, match='needs an accelerator'):
        train_cfg_for(['--amp'], repo_root)


def test_show_dir_enables_visualization(repo_root: Path):
    cfg = train_cfg_for(['--show-dir', 'vis', '--interval', '5'], repo_root)
    vis = cfg.default_hooks.visualization
    assert vis.enable is True and vis.out_dir == 'vis' and vis.interval == 5


def test_missing_files_fail_before_any_work(repo_root: Path, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match='config file not found'):
        load_config(train_tool.parse_args([str(tmp_path / 'nope.py')]))
    args = test_tool.parse_args([str(repo_root / CONFIG), str(tmp_path / 'missing.pth')])
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        test_tool.apply_test_args(load_config(args), args)


def test_dump_adds_dump_results_metric(repo_root: Path, tmp_path: Path):
    ckpt = tmp_path / 'c.pth'
    ckpt.write_bytes(b'')
    args = test_tool.parse_args([str(repo_root / CONFIG), str(ckpt), '--dump', str(tmp_path / 'p.pkl')])
    cfg = test_tool.apply_test_args(load_config(args), args)
    assert cfg.load_from == str(ckpt)
    assert [m['type'] for m in cfg.test_evaluator][-1] == 'DumpResults'
    bad = test_tool.parse_args([str(repo_root / CONFIG), str(ckpt), '--dump', str(tmp_path / 'p.json')])
    with pytest.raises(SystemExit, match='.pkl'):
        test_tool.apply_test_args(load_config(bad), bad)


def test_show_dir_help_says_where_the_pictures_go(capsys):
    from mmpose_ext.tools.test import parse_args as test_args
    from mmpose_ext.tools.train import parse_args as train_args
    for parse, says in ((test_args, 'used as given'), (train_args, 'vis_data/vis_image')):
        with pytest.raises(SystemExit):
            parse(['--help'])
        text = ' '.join(capsys.readouterr().out.split())
        assert says in text and 'under the work dir' not in text
