"""The bottom-up test path alone, and the lite model's ability to learn, on generated synthetic crowd images.

Oracle: ground-truth heatmaps and one distinct tag per person in place of the network's outputs, through the real
pre-processor, batched flip test, aggregation, FastAssociativeEmbedding, inverse transform and COCO metric, must
score AP ~1.0; with only one half given, the untrained network's other half must cost AP (the oracles measure).
Overfit (set MMPOSE_EXT_LEARNING_CHECKS=1, minutes on a CPU): the lite config trained on 4 images without
augmentation for 500 iterations (batch 4) must reach AP > 0.5 on those images (0.762 in 3.9 min here).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_ext.tools.generate_synthetic_crowd import main as generate

CONFIG = 'configs/higherhrnet/ae_higherhrnet-lite_synthcrowd-256x256.py'


def _config(repo_root: Path, data: Path, work_dir: Path, split: str = 'val') -> Config:
    cfg = Config.fromfile(str(repo_root / CONFIG))
    root = str(data) + '/'
    ann = f'annotations/coco_{split}.json'
    for name in ('val_dataloader', 'test_dataloader'):
        cfg[name].update(batch_size=4, num_workers=0, persistent_workers=False)
        cfg[name].dataset.update(data_root=root, ann_file=ann, data_prefix=dict(img=f'images/{split}/'))
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = root + ann
    cfg.work_dir = str(work_dir)
    cfg.default_hooks.logger.interval = 1
    return cfg


@pytest.fixture(scope='module')
def crowd(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp('crowd')
    generate([str(data), '--num-train', '4', '--num-val', '4', '--layout', 'coco', '--persons', '2', '4',
              '--seed', '3'])
    return data


def test_oracle_decode_scores_ap_one(repo_root, crowd, tmp_path):
    runner = Runner.from_cfg(_config(repo_root, crowd, tmp_path / 'oracle'))
    runner.model.init_weights()  # as training starts: N(0, 0.001) head, flat maps and equal tags
    test_cfg = runner.model.test_cfg
    ap = {}
    for mode in ('both', 'heatmaps', 'tags'):  # one runner, the same 4 images (one padded batch, flip test)
        test_cfg['oracle'] = mode
        ap[mode] = runner.test()['coco/AP']
    assert ap['both'] > 0.95, ap
    # one half from the untrained network costs AP: equal tags mix persons, flat heatmaps detect nothing
    assert ap['heatmaps'] < 0.5 and ap['tags'] < 0.05, ap


@pytest.mark.skipif(not os.environ.get('MMPOSE_EXT_LEARNING_CHECKS'),
                    reason='learning check (minutes on a CPU): set MMPOSE_EXT_LEARNING_CHECKS=1')
def test_lite_overfits_a_few_images(repo_root, crowd, tmp_path):
    cfg = _config(repo_root, crowd, tmp_path / 'overfit', split='train')
    train = cfg.train_dataloader
    train.update(batch_size=4, num_workers=0, persistent_workers=False)
    train.dataset.dataset.update(data_root=str(crowd) + '/', ann_file='annotations/coco_train.json',
                                 data_prefix=dict(img='images/train/'))
    pipeline = train.dataset.dataset.pipeline
    # no augmentation: the same 4 images every iteration
    pipeline[1].update(shift_prob=0.0, scale_prob=0.0, rotate_prob=0.0, shear_prob=0.0)
    pipeline[2].update(prob=0.0)
    # one long epoch (a loader of one batch restarted every iteration cost 2 s of data time per step)
    train.dataset = dict(type='RepeatDataset', times=1000, dataset=train.dataset)
    cfg.train_cfg = dict(by_epoch=False, max_iters=int(os.environ.get('MMPOSE_EXT_OVERFIT_ITERS', 500)),
                         val_interval=100000)
    cfg.param_scheduler = [dict(type='LinearLR', begin=0, end=20, start_factor=0.1, by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    cfg.default_hooks.logger.interval = 20
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.test()['coco/AP'] > 0.5
