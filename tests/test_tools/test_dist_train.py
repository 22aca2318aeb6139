"""Two processes under torchrun with gloo on the CPU: mmengine's pytorch launcher path, DDP and the
distributed sampler, through tools/dist_train.sh as users run it."""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import torch


CONFIG = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_process_training(coco_sample_config, run_tool, tmp_path: Path):
    cfg = coco_sample_config(CONFIG, max_epochs=1, batch_size=2)
    work = tmp_path / 'dist'
    # dist_train.sh calls `python`: the one running these tests
    env = {'PORT': str(free_port()), 'OMP_NUM_THREADS': '1',
           'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH']}
    proc = run_tool(['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir', str(work), '--no-validate'],
                    env=env)
    log = proc.stdout + proc.stderr
    dumps = list(work.glob('*/env_and_config.txt'))  # mmengine's runtime environment, written by rank 0 only
    assert len(dumps) == 1, log[-3000:]
    env_dump = dumps[0].read_text()
    assert 'Distributed launcher: pytorch' in env_dump and 'Distributed training: True' in env_dump
    assert 'GPU number: 2' in env_dump  # mmengine's label for the world size
    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu', weights_only=False)
    # 12 persons with keypoints (mmpose skips the 2 without) over 2 ranks with batch 2: 3 iterations, not 6
    assert ckpt['meta']['iter'] == 3
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values() if v.is_floating_point())
