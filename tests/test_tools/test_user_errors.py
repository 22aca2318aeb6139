"""User errors end in one clear line before any config dump: a config typo suggests the closest config, bad data
stops before the Runner, a missing image is named up front, ``--amp`` on a CPU says the same in every tool and an
offline pretrained download names the key that takes a local file."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.error import URLError

import pytest
from mmengine.config import Config
from mmengine.device import get_device

from mmpose_ext.datasets.common import AnnotationError
from mmpose_ext.tools import train as train_tool
from mmpose_ext.tools.common import AMP_ON_CPU, check_config_path, install_user_error_hook, user_error_message
from mmpose_ext.tools.generate_synthetic_crowd import main as generate

ROOT = Path(__file__).resolve().parents[2]
MIPNET = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
COCO_HRNET = 'configs/baselines/td-hm_hrnet-w32_coco-256x192.py'


def test_config_typo_is_one_line_with_the_closest_config():
    proc = subprocess.run([sys.executable, 'tools/train.py', MIPNET + 'x'], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f'error: config file not found: {MIPNET}x; did you mean {MIPNET}')
    assert 'Traceback' not in proc.stderr and proc.stdout == ''
    with pytest.raises(FileNotFoundError, match=f'did you mean {MIPNET}'):
        check_config_path('configs/td-hm_mipnet-lite_synthcrowd-128x96.py')  # the pre-1.0 flat layout


def test_benchmark_config_typo_is_one_line_too():
    from mmpose_ext.tools.benchmark import main as benchmark
    with pytest.raises(SystemExit, match=f'error: config file not found: {MIPNET}x; did you mean {MIPNET}'):
        benchmark([MIPNET + 'x', '--no-flops'])


def test_bad_json_and_missing_image_stop_before_the_runner(tmp_path: Path, capsys):
    data = tmp_path / 'set'
    generate([str(data), '--num-train', '2', '--num-val', '1', '--image-size', '96', '96', '--layout', 'coco',
              '--no-progress'])
    missing = data / 'images' / 'train' / '000002.jpg'
    missing.unlink()
    capsys.readouterr()
    with pytest.raises(FileNotFoundError, match=f'1 of 2 images listed in .*coco_train.json are missing:\n  {missing}'):
        train_tool.main([MIPNET, '--data-root', str(data), '--work-dir', str(tmp_path / 'w')])
    (data / 'annotations' / 'coco_train.json').write_text('{"images": [')
    with pytest.raises(AnnotationError, match='coco_train.json is not JSON'):
        train_tool.main([MIPNET, '--data-root', str(data), '--work-dir', str(tmp_path / 'w')])
    assert 'Config:' not in capsys.readouterr().out  # the Runner (and its config dump) never started


def test_mmpose_coco_dataset_images_are_checked_up_front(tmp_path: Path):
    """mmpose's own CocoDataset does not check files; the tools check its images when they build it."""
    data = tmp_path / 'coco'
    shutil.copytree(ROOT / 'tests' / 'data' / 'coco', data)
    (data / '000000040083.jpg').unlink()
    cfg = Config.fromfile(str(ROOT / COCO_HRNET))
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.update(data_root=str(data), ann_file='test_coco.json',
                                                  data_prefix=dict(img=''), bbox_file=None)
    from mmpose_ext.tools.common import prepare_data
    with pytest.raises(FileNotFoundError, match='000000040083.jpg'):
        prepare_data(cfg, ('train', ))


@pytest.mark.skipif(get_device() != 'cpu', reason='an accelerator is present: --amp is valid here')
def test_amp_on_cpu_is_the_same_message_in_every_tool():
    with pytest.raises(SystemExit) as exit_info:
        train_tool.apply_train_args(Config.fromfile(str(ROOT / MIPNET)), train_tool.parse_args([MIPNET, '--amp']))
    assert str(exit_info.value.code) == AMP_ON_CPU
    # every tool with an --amp flag decides through the same function (benchmark may allow CPU autocast)
    tools = [p for p in (ROOT / 'mmpose_ext' / 'tools').glob('*.py') if "'--amp'" in p.read_text()]
    assert {p.stem for p in tools} >= {'train', 'benchmark'}
    assert [p.stem for p in tools if 'check_amp_device(' not in p.read_text()] == []


def test_offline_download_names_the_key_for_a_local_file():
    cfg = Config.fromfile(str(ROOT / COCO_HRNET))
    install_user_error_hook(cfg)
    message = user_error_message(URLError('[Errno -3] Temporary failure in name resolution'))
    assert message.startswith('cannot download pretrained weights (')
    assert 'model.backbone.init_cfg.checkpoint=https://download.openmmlab.com/' in message
    assert '--cfg-options KEY=/path/to/file.pth' in message
    assert user_error_message(ValueError('a bug')) is None  # not a user error: the traceback stays
    assert json.dumps(message)  # one printable line
    assert '\n' not in message


def test_missing_annotation_file_names_the_config_key(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=re.escape(
            f'train_dataloader.dataset.dataset.ann_file: file not found: {tmp_path}/annotations/coco_train.json')):
        train_tool.main([MIPNET, '--data-root', str(tmp_path), '--work-dir', str(tmp_path / 'w')])
