"""HigherHRNet through the command-line tools on the COCO sample: train with validation (single-scale, batched flip
test), resume, and a multi-scale test (image pyramids through the pre-processor), all in a few seconds."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from mmengine.config import Config

CONFIG = 'configs/higherhrnet/ae_higherhrnet-lite_synthcrowd-256x256.py'


def tiny_config(repo_root: Path, data_dir: Path, tmp_path: Path) -> Path:
    cfg = Config.fromfile(str(repo_root / CONFIG))
    root = str(data_dir / 'coco') + '/'
    cfg.train_dataloader.dataset.dataset.update(data_root=root, ann_file='test_coco.json', data_prefix=dict(img=''))
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].update(batch_size=2, num_workers=0, persistent_workers=False)
    for name in ('val_dataloader', 'test_dataloader'):
        cfg[name].dataset.update(data_root=root, ann_file='test_coco.json', data_prefix=dict(img=''))
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = root + 'test_coco.json'
    size = (128, 128)  # half the config's input: the tools' path is the same, the CPU time a quarter
    train_pipeline = cfg.train_dataloader.dataset.dataset.pipeline
    train_pipeline[1].input_size = size
    for i, codec in enumerate(train_pipeline[3].encoder):
        codec.update(input_size=size, heatmap_size=(32 * 2**i, 32 * 2**i))
    for name in ('val_dataloader', 'test_dataloader'):
        cfg[name].dataset.pipeline[1].input_size = size
    cfg.model.head.decoder.update(input_size=size, heatmap_size=(32, 32))
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    cfg.work_dir = str(tmp_path / 'work')
    # the learning-check recipe's hooks: AE loss switched on at iteration 1, both oracles at every validation
    cfg.custom_hooks = [dict(type='AELossRampHook', start_iter=1, ramp_iters=1), dict(type='AEOracleHook')]
    out = tmp_path / 'hh_tiny.py'
    cfg.dump(str(out))
    return out


def test_train_resume_and_multiscale_test(run_tool, repo_root, data_dir, tmp_path):
    config = tiny_config(repo_root, data_dir, tmp_path)
    work = tmp_path / 'work'
    env = {'OMP_NUM_THREADS': '1'}
    proc = run_tool([sys.executable, 'tools/train.py', str(config)], env=env)
    log = proc.stdout + proc.stderr
    assert 'BottomupImageFilter: 4 of 4 training images used' in log
    assert 'loss_pull_0' in log and 'coco/AP' in log and 'ae_scale' in log
    assert 'oracle_heatmaps/coco/AP' in log and 'oracle_tags/coco/AP' in log
    assert (work / 'epoch_1.pth').is_file()
    proc = run_tool([sys.executable, 'tools/train.py', str(config), '--resume',
                     '--cfg-options', 'train_cfg.max_epochs=2'], env=env)
    assert 'resumed epoch: 1' in (proc.stdout + proc.stderr) and (work / 'epoch_2.pth').is_file()
    out = tmp_path / 'preds'
    proc = run_tool([sys.executable, 'tools/test.py', str(config), str(work / 'epoch_2.pth'),
                     '--cfg-options', 'test_dataloader.dataset.pipeline.1.aug_scales=[2,0.5]',
                     f'test_evaluator.outfile_prefix={out}'], env=env)
    assert 'Epoch(test)' in proc.stdout + proc.stderr
    results = json.loads(Path(f'{out}.keypoints.json').read_text())
    assert isinstance(results, list)  # an untrained model may find nobody; the file is still written
    # the picture tool on the trained checkpoint, in this process
    from mmpose_ext.tools.bottomup_demo import main as picture
    picture([str(config), str(work / 'epoch_2.pth'), str(data_dir / 'coco'), '--num', '2',
             '--out', str(tmp_path / 'bottomup.jpg')])
    assert (tmp_path / 'bottomup.jpg').stat().st_size > 0


def test_each_grouped_person_gets_its_own_colour():
    import numpy as np

    from mmpose_ext.visualization import PALETTE, draw_grouped_poses
    image = np.zeros((64, 64, 3), np.uint8)
    keypoints = np.array([[[10, 10], [10, 30], [20, 20]], [[40, 10], [40, 30], [50, 20]], [[5, 5], [6, 6], [7, 7]]],
                         np.float32)
    scores = np.array([[1, 1, 1], [1, 1, 1], [1, 0, 0]], np.float32)  # the third has one joint only: skipped
    canvas, drawn = draw_grouped_poses(image, keypoints, scores, [(0, 1)], kpt_thr=0.3, min_joints=2)
    assert drawn == 2
    assert tuple(canvas[20, 10]) == PALETTE[0] and tuple(canvas[20, 40]) == PALETTE[1]
