"""The pipeline benchmark times mmpose's standard top-down pipeline and PoseFix's on the same COCO persons."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mmpose_ext.analysis.pipeline_benchmark import benchmark_pipelines


def test_pipeline_benchmark_cli_reports_steps_and_ratios(repo_root: Path, run_tool, tmp_path: Path):
    out = tmp_path / 'pipelines.json'
    proc = run_tool([sys.executable, 'tools/analysis/pipeline_benchmark.py', '--rounds', '1', '--warmup', '1',
                     '--out', str(out)])
    for row in ('SynthesizePoseErrors', 'GenerateTarget', 'pipeline total', 'input-pose render (CPU)',
                'PoseFix / standard: pipeline'):
        assert row in proc.stdout, row
    result = json.loads(out.read_text())
    assert result['num_samples'] == 12 and result['input_size'] == [192, 256]
    standard, posefix = result['standard'], result['posefix']
    # the standard pipeline has no synthesis, PoseFix's no half-body step; every other step ran in both
    assert standard['steps']['LoadImage'] > 0 and posefix['steps']['LoadImage'] > 0
    assert 'SynthesizePoseErrors' not in standard['steps'] and posefix['steps']['SynthesizePoseErrors'] > 0
    assert 'RandomHalfBody' in standard['steps'] and 'RandomHalfBody' not in posefix['steps']
    assert posefix['ms_per_sample'] == pytest.approx(sum(posefix['steps'].values()))
    assert result['pipeline_ratio'] == pytest.approx(posefix['ms_per_sample'] / standard['ms_per_sample'])
    assert result['with_render_ratio'] == pytest.approx(
        (posefix['ms_per_sample'] + result['render_ms']) / standard['ms_per_sample'])


def test_pipelines_of_different_input_sizes_are_not_compared(repo_root: Path, data_dir: Path):
    with pytest.raises(ValueError, match='different input sizes'):
        benchmark_pipelines(str(repo_root / 'configs/_base_/coco_topdown_256x192.py'),
                            str(repo_root / 'configs/_base_/posefix_coco_384x288.py'), str(data_dir / 'coco'),
                            'test_coco.json', rounds=1, warmup=0)


def test_worker_pipelines_of_the_shipped_top_down_configs(repo_root: Path, data_dir: Path):
    """--configs mode: per-worker samples/s step by step of MIPNet-W48 (with a transform switch reached by a
    list-index override) and HRNet-W32 on the same COCO persons; every step's time is in the total."""
    from mmpose_ext.analysis.train_pipelines import benchmark_worker_pipelines, format_worker_report
    from mmpose_ext.tools.pipeline_benchmark import _load
    mipnet = str(repo_root / 'configs/mipnet_w48.py')
    specs = [mipnet, f'{mipnet}::train_dataloader.dataset.dataset.pipeline.6.cached_gaussian=False',
             str(repo_root / 'configs/baselines/td-hm_hrnet-w32_coco-256x192.py')]
    result = benchmark_worker_pipelines([(s, _load(s)) for s in specs], str(data_dir / 'coco') + '/',
                                        'test_coco.json', rounds=2, warmup=0)
    assert result['num_samples'] == 12
    cached, per_instance, hrnet = result['timings']
    assert cached.steps['GenerateMultiInstanceTarget'] > 0 and per_instance.steps['GenerateMultiInstanceTarget'] > 0
    assert hrnet.steps['GenerateTarget'] > 0 and 'GenerateMultiInstanceTarget' not in hrnet.steps
    for timing in result['timings']:
        assert len(timing.round_samples_per_s) == 2 and timing.samples_per_s == max(timing.round_samples_per_s)
        assert timing.ms_per_sample == pytest.approx(1e3 / timing.samples_per_s)
    report = format_worker_report(result)
    assert 'best round samples/s' in report and 'workers for 600 img/s' in report
