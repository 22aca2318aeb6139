"""End to end as a user runs it: tools/train.py for 2 epochs on the real COCO sample, tools/test.py on the
checkpoint (COCO AP from xtcocotools), then --resume continues from the saved epoch."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch


CONFIG = 'configs/baselines/td-hm_hrnet-w32_coco-256x192.py'


def test_train_test_resume(coco_sample_config, run_tool, tmp_path: Path):
    cfg = coco_sample_config(CONFIG, max_epochs=2)
    work = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', str(cfg), '--work-dir', str(work)])
    ckpt = work / 'epoch_2.pth'
    assert ckpt.is_file() and (work / 'epoch_1.pth').is_file()
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert state['meta']['epoch'] == 2 and state['meta']['dataset_meta']['num_keypoints'] == 17

    metrics_file = tmp_path / 'metrics.json'
    dump_file = tmp_path / 'preds.pkl'
    run_tool([sys.executable, 'tools/test.py', str(cfg), str(ckpt), '--work-dir', str(work), '--out',
              str(metrics_file), '--dump', str(dump_file)])
    metrics = json.loads(metrics_file.read_text())
    for key in ('coco/AP', 'coco/AP .5', 'coco/AR'):
        assert 0.0 <= metrics[key] <= 1.0, metrics
    assert dump_file.stat().st_size > 0

    proc = run_tool([sys.executable, 'tools/train.py', str(cfg), '--work-dir', str(work), '--resume',
                     '--cfg-options', 'train_cfg.max_epochs=3'])
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 2' in log, log[-3000:]
    resumed = torch.load(work / 'epoch_3.pth', map_location='cpu', weights_only=False)
    assert resumed['meta']['epoch'] == 3
    # exactly one more epoch was trained: 14 persons / batch 4 = 4 iterations per epoch
    assert resumed['meta']['iter'] == state['meta']['iter'] + state['meta']['iter'] // 2


def test_test_tool_refuses_malicious_checkpoint(coco_sample_config, repo_root, tmp_path: Path):
    import subprocess
    cfg = coco_sample_config(CONFIG, max_epochs=1)
    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': {'x': subprocess.Popen}}, evil)
    proc = subprocess.run([sys.executable, 'tools/test.py', str(cfg), str(evil)], cwd=repo_root, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode != 0
    # pickle protocol 2 stores subprocess.Popen under its Python 2 name, commands.Popen; one error line, no traceback
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: Refusing to load checkpoint '{evil}'") and 'Popen' in last, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr
