"""`mim train mmpose CONFIG` (mmpose's own train script, our config imports mmpose_ext) and
`mim train mmpose_ext CONFIG` from a regular (non-editable) install of the package."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

CONFIG = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'
MIM = str(Path(sys.executable).parent / 'mim')


def test_mim_train_mmpose(coco_sample_config, run_tool, tmp_path: Path):
    cfg = coco_sample_config(CONFIG, max_epochs=1)
    work = tmp_path / 'mim_mmpose'
    run_tool([MIM, 'train', 'mmpose', str(cfg), '--work-dir', str(work)])
    assert torch.load(work / 'epoch_1.pth', map_location='cpu', weights_only=False)['meta']['epoch'] == 1


def test_mim_train_mmpose_ext_from_regular_install(coco_sample_config, run_tool, repo_root: Path,
                                                   tmp_path: Path):
    wheels, site = tmp_path / 'wheels', tmp_path / 'site'
    run_tool([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(wheels),
              str(repo_root)])
    wheel = next(wheels.glob('mmpose_ext-*.whl'))
    run_tool([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target', str(site), str(wheel)])
    assert (site / 'mmpose_ext' / 'tools' / 'train.py').is_file()
    # the console scripts of a regular install run the package's tools
    for script in ('mmpose-ext-train', 'mmpose-ext-test', 'mmpose-ext-benchmark'):
        assert (site / 'bin' / script).is_file(), f'{script} not installed'
    env = {'PYTHONPATH': str(site) + os.pathsep + os.environ.get('PYTHONPATH', '')}
    proc = run_tool([sys.executable, str(site / 'bin' / 'mmpose-ext-train'), '--help'], cwd=tmp_path, env=env)
    assert '--work-dir' in proc.stdout

    cfg = coco_sample_config(CONFIG, max_epochs=1)
    work = tmp_path / 'mim_ext'
    # run outside the checkout so that only the installed copy can be found
    proc = run_tool([MIM, 'train', 'mmpose_ext', str(cfg), '--work-dir', str(work)], cwd=tmp_path, env=env)
    assert str(site / 'mmpose_ext' / 'tools' / 'train.py') in proc.stdout + proc.stderr
    assert (work / 'epoch_1.pth').is_file()
