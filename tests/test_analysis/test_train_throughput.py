"""tools/analysis/train_throughput.py from a fresh checkout: synthetic data, a few real Runner iterations (with --amp:
AmpOptimWrapper, or CPUAutocastOptimWrapper on a CPU), the figures, and img_per_s in the training log (ThroughputHook
of the default runtime)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

MIPNET_LITE = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'


def test_train_throughput_tool(run_tool, tmp_path: Path):
    out = tmp_path / 'throughput.json'
    proc = run_tool([sys.executable, 'tools/analysis/train_throughput.py', MIPNET_LITE, '--iters', '2', '--warmup',
                     '1', '--batch-size', '4', '--num-workers', '0', '--num-images', '6', '--pipeline-samples', '5',
                     '--amp', '--work-dir', str(tmp_path / 'work'), '--out', str(out)])
    result = json.loads(out.read_text())
    assert result['iters'] == 2 and result['batch_size'] == 4 and result['num_workers'] == 0
    assert result['img_per_s'] > 0 and result['step_img_per_s'] >= result['img_per_s']
    assert 0.0 <= result['data_wait_share'] < 1.0
    assert result['peak_memory_mb'] > 0 and result['worker_samples_per_s'] > 0 and result['workers_needed'] >= 1
    for line in ('training ', 'waiting for data', 'model step alone', 'real / model step', 'workers needed'):
        assert line in proc.stdout, line  # real img/s, data-wait share, model-step img/s, their ratio, workers
    assert (tmp_path / 'work' / 'synthetic_crowd' / 'annotations' / 'coco_train.json').is_file()
    logs = list((tmp_path / 'work').rglob('*.log'))
    assert logs and 'img_per_s: ' in logs[0].read_text()  # the hook's figure in every training log line


def test_throughput_tool_refuses_a_layout_it_cannot_generate(repo_root: Path, tmp_path: Path):
    from mmpose_ext.tools.train_throughput import main
    with pytest.raises(SystemExit, match='pass --data-root'):
        main([str(repo_root / 'configs/baselines/td-hm_hrnet-w32_mpii-256x256.py'), '--work-dir', str(tmp_path)])


def test_peak_memory_is_read_before_the_logger_resets_it():
    # mmengine's log processor resets the accelerator's peak statistics whenever it logs; reading the peak after
    # training gave 795 MiB for a 19.7 GiB MIPNet-W48 run on an H200. The hook must run before the LoggerHook.
    from mmengine.hooks import LoggerHook
    from mmengine.runner.priority import get_priority

    from mmpose_ext.analysis.train_throughput import _PeakMemoryHook
    assert get_priority(_PeakMemoryHook.priority) < get_priority(LoggerHook.priority)
