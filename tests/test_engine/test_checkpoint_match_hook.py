"""tools/test.py and tools/train.py stop with one ``error:`` line and the fix when the checkpoint does not fit."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from mmpose_ext.tools import train as train_tool
from mmpose_ext.utils.checkpoint_match import CheckpointMismatchError

ROOT = Path(__file__).resolve().parents[2]
MIPNET = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
HRNET = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'



def _save(config: str, path: Path, prefix: str = '') -> Path:
    model = MODELS.build(Config.fromfile(str(ROOT / config)).model)
    torch.save({'state_dict': {prefix + k: v for k, v in model.state_dict().items()}, 'meta': {}}, path)
    return path


def test_test_tool_exits_nonzero_naming_the_fix(tiny_set: Path, tmp_path: Path):
    fpd = _save(HRNET, tmp_path / 'fpd_epoch_1.pth', prefix='student.')
    proc = subprocess.run([sys.executable, 'tools/test.py', HRNET, str(fpd), '--data-root', str(tiny_set),
                           '--work-dir', str(tmp_path / 'w'), '--cfg-options', 'test_dataloader.num_workers=0'],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f'error: checkpoint {fpd}: no weight of it fits the model for ')
    assert 'python tools/convert/fpd_to_student.py' in last and 'Traceback' not in proc.stderr
    assert 'coco/AP' not in proc.stdout  # nothing was scored


def test_train_load_from_refuses_and_allow_partial_load_accepts(tiny_set: Path, tmp_path: Path):
    hrnet = _save(HRNET, tmp_path / 'hrnet.pth')
    args = [MIPNET, '--data-root', str(tiny_set), '--work-dir', str(tmp_path / 'w'), '--no-validate',
            '--cfg-options', f'load_from={hrnet}', 'train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
            'default_hooks.checkpoint.interval=100']
    with pytest.raises(CheckpointMismatchError, match=r'hrnet\.pth: it does not fit the model for .*mipnet.* missing'):
        train_tool.main(args)
    train_tool.main(args + ['--allow-partial-load'])  # HRNet's weights into MIPNet's shared prefix, on purpose
