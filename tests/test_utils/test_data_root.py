"""``--data-root`` rewrites every path the config derived from its data_root, inside any dataset wrapper, and the
top-level ``--cfg-options data_root=...`` that would change nothing is refused."""
from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config

from mmpose_ext.tools import train as train_tool
from mmpose_ext.tools.common import load_config
from mmpose_ext.utils.data_root import DataRootError, apply_data_root_args, rewrite_data_root

ROOT = Path(__file__).resolve().parents[2]
MIPNET = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
CROWDPOSE = 'configs/baselines/td-hm_hrnet-w32_crowdpose-256x192.py'
FPD_UNLABELED = 'configs/hourglass_fpd/fpd_hourglass-s4-64-to-s2-64-mobile_synthcrowd-128x128-unlabeled.py'
POSEFIX = 'configs/posefix/posefix_r18_synthcrowd-128x96.py'


def load(config: str) -> Config:
    return Config.fromfile(str(ROOT / config))


def strings(node, found=None):
    found = [] if found is None else found
    if isinstance(node, dict):
        for v in node.values():
            strings(v, found)
    elif isinstance(node, (list, tuple)):
        for v in node:
            strings(v, found)
    elif isinstance(node, str):
        found.append(node)
    return found


def data_strings(cfg: Config):
    return strings({k: v for k, v in cfg.items() if k.endswith(('_dataloader', '_evaluator'))})


def test_multi_instance_wrapper_and_evaluators_move(tmp_path: Path):
    cfg = load(MIPNET)
    changes, others = rewrite_data_root(cfg, str(tmp_path))
    keys = {key for key, _, _ in changes}
    assert {'train_dataloader.dataset.dataset.data_root', 'val_dataloader.dataset.data_root',
            'test_dataloader.dataset.data_root', 'val_evaluator.ann_file', 'test_evaluator.ann_file'} <= keys
    assert cfg.train_dataloader.dataset.dataset.data_root == f'{tmp_path}/'
    assert cfg.val_evaluator.ann_file == f'{tmp_path}/annotations/coco_val.json'
    assert not [s for s in data_strings(cfg) if 'synthetic_crowd' in s] and others == {}


def test_concat_dataset_and_detection_file_move(tmp_path: Path):
    cfg = load(CROWDPOSE)
    rewrite_data_root(cfg, str(tmp_path))
    parts = cfg.train_dataloader.dataset.datasets
    assert [p.data_root for p in parts] == [f'{tmp_path}/'] * 2
    assert cfg.test_dataloader.dataset.bbox_file == f'{tmp_path}/annotations/det_for_crowd_test_0.1_0.5.json'
    assert cfg.test_evaluator.ann_file == f'{tmp_path}/annotations/crowdpose_test.json'
    assert not [s for s in data_strings(cfg) if 'data/crowdpose' in s]


def test_posefix_results_file_moves(tmp_path: Path):
    cfg = load(POSEFIX)
    rewrite_data_root(cfg, str(tmp_path))
    assert cfg.val_dataloader.dataset.results_file.startswith(f'{tmp_path}/posefix/')
    assert not [s for s in data_strings(cfg) if 'data/synthetic_crowd/' in s]


def test_other_roots_are_named_and_movable_with_old_equals_new(tmp_path: Path):
    cfg = load(FPD_UNLABELED)
    lines = apply_data_root_args(cfg, [str(tmp_path / 'labelled')])
    unlabeled_key = 'train_dataloader.dataset.datasets.1.data_root'
    assert any(f'kept {unlabeled_key}=data/synthetic_crowd_unlabeled/' in line for line in lines), lines
    apply_data_root_args(cfg, [f'data/synthetic_crowd_unlabeled/={tmp_path / "crops"}'])
    assert cfg.train_dataloader.dataset.datasets[1].data_root == f'{tmp_path / "crops"}/'
    with pytest.raises(DataRootError, match='no entry of the config lies under data/nowhere'):
        apply_data_root_args(cfg, ['data/nowhere=/x'])


def test_top_level_data_root_option_is_refused_with_the_working_flag(tmp_path: Path):
    args = train_tool.parse_args([str(ROOT / MIPNET), '--cfg-options', f'data_root={tmp_path}/'])
    with pytest.raises(DataRootError) as err:
        load_config(args)
    message = str(err.value)
    assert 'would change nothing' in message and f'--data-root {tmp_path}/' in message
    assert 'train_dataloader.dataset.dataset.data_root=...' in message and 'val_evaluator.ann_file=...' in message


def test_data_root_flag_through_the_tool(tmp_path: Path, capsys):
    args = train_tool.parse_args([str(ROOT / MIPNET), '--data-root', str(tmp_path)])
    cfg = load_config(args)
    assert cfg.val_dataloader.dataset.data_root == f'{tmp_path}/'
    assert f'entries now under {tmp_path}/' in capsys.readouterr().out
