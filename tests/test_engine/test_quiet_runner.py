"""The first screen of a run is the run: mmengine's environment/config/hook dump goes to a file, and Ctrl-C says
how to resume."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


from mmpose_ext.tools import test as test_tool

ROOT = Path(__file__).resolve().parents[2]
HRNET = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'



def test_config_dump_goes_to_a_file(tiny_set: Path, tmp_path: Path, capsys):
    import torch
    from mmengine.config import Config
    from mmpose.registry import MODELS
    checkpoint = tmp_path / 'hrnet.pth'
    torch.save({'state_dict': MODELS.build(Config.fromfile(str(ROOT / HRNET)).model).state_dict()}, checkpoint)
    metrics = test_tool.main([HRNET, str(checkpoint), '--data-root', str(tiny_set), '--work-dir', str(tmp_path / 'w'),
                              '--cfg-options', 'test_dataloader.num_workers=0'])
    assert 'coco/AP .5' in metrics  # mmpose's key spelling
    out = capsys.readouterr()
    log = out.out + out.err
    assert 'Config:' not in log and 'System environment' not in log and 'Hooks will be executed' not in log
    dumps = list((tmp_path / 'w').glob('*/env_and_config.txt'))
    assert len(dumps) == 1 and f'environment, full config and hook order: {dumps[0]}' in log
    text = dumps[0].read_text()
    assert 'System environment' in text and 'Config:' in text and 'Hooks will be executed' in text


def test_ctrl_c_prints_the_resume_command(tiny_set: Path, tmp_path: Path):
    work = tmp_path / 'w'
    proc = subprocess.Popen([sys.executable, 'tools/train.py', HRNET, '--data-root', str(tiny_set), '--work-dir',
                             str(work), '--no-validate', '--cfg-options', 'train_dataloader.num_workers=0',
                             'default_hooks.logger.interval=1', 'train_dataloader.batch_size=1',
                             # long enough that a loaded machine cannot finish it before the signal arrives
                             'train_cfg.max_epochs=1000'],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, 'PYTHONUNBUFFERED': '1'},
                            # a suite started in the background (cmd &) inherits an ignored SIGINT, and Python
                            # then never raises KeyboardInterrupt; a user's terminal delivers it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 240
        for line in proc.stdout:  # wait until the training loop runs
            if 'Epoch(train)' in line or time.time() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # never leave a 1000-epoch training behind
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert f'continue from the last checkpoint with: python tools/train.py {HRNET} --work-dir {work} --resume' in err
