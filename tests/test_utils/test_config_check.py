"""A misspelled ``--cfg-options`` key is refused before anything is built, with the closest existing key."""
from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config

from mmpose_ext.tools import train as train_tool
from mmpose_ext.tools.common import user_error_message
from mmpose_ext.utils.config_check import ConfigKeyError, check_cfg_options

ROOT = Path(__file__).resolve().parents[2]
MIPNET = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
HIGHERHRNET = 'configs/higherhrnet/ae_higherhrnet-lite_synthcrowd-256x256.py'


@pytest.fixture(scope='module')
def cfg() -> Config:
    return Config.fromfile(str(ROOT / MIPNET))


@pytest.mark.parametrize('key, suggestion', [
    ('model.test_cfg.flip_tset', 'flip_test'),             # inside a plain dict: silently ignored before
    ('train_cfg.max_epoch', 'max_epochs'),                 # a loop argument: TypeError after the config dump
    ('test_dataloader.batchsize', 'batch_size'),           # a DataLoader argument
    ('model.backbone.shared_prefx', 'shared_prefix'),      # a plugin class argument
    ('optim_wrapper.optimizer.weight_decy', 'weight_decay'),  # a torch optimizer argument
    ('train_dataloader.dataset.dataset.ann_fiel', 'ann_file'),  # inside a dataset wrapper
])
def test_misspelled_keys_are_refused_with_the_closest_key(cfg: Config, key: str, suggestion: str):
    with pytest.raises(ConfigKeyError, match=f"--cfg-options {key}: .* has no key '{key.split('.')[-1]}' .*"
                                             f'did you mean {suggestion}'):
        check_cfg_options(cfg, {key: 1})


@pytest.mark.parametrize('key', [
    'model.test_cfg.flip_test',            # existing
    'model.test_cfg.shift_heatmap',        # new, read by mmpose's heatmap heads
    'train_cfg.max_epochs',
    'train_dataloader.pin_memory',         # new DataLoader argument
    'randomness',                          # new Runner argument
    'param_scheduler.1.milestones',        # list index
    'model.backbone.init_cfg',
])
def test_keys_that_something_reads_are_accepted(cfg: Config, key: str):
    check_cfg_options(cfg, {key: 1})


def test_list_index_out_of_range_is_refused(cfg: Config):
    with pytest.raises(ConfigKeyError, match='param_scheduler is a list of 2 entries'):
        check_cfg_options(cfg, {'param_scheduler.5.end': 3})


def test_bottom_up_decoder_keys_are_checked_too():
    cfg = Config.fromfile(str(ROOT / HIGHERHRNET))
    check_cfg_options(cfg, {'model.head.decoder.decode_keypoint_thr': 0.05})
    with pytest.raises(ConfigKeyError, match='did you mean decode_keypoint_thr'):
        check_cfg_options(cfg, {'model.head.decoder.decode_keypoint_th': 0.05})


def test_train_tool_refuses_before_building(tmp_path: Path, capsys):
    with pytest.raises(ConfigKeyError) as info:
        train_tool.main([MIPNET, '--work-dir', str(tmp_path), '--cfg-options', 'model.test_cfg.flip_tset=False'])
    message = user_error_message(info.value)
    assert message.startswith("--cfg-options model.test_cfg.flip_tset: model.test_cfg has no key 'flip_tset'")
    assert '\n' not in message and not (tmp_path / 'data_summary.txt').exists()


def test_a_constructor_type_error_is_one_line():
    error = TypeError("class `EpochBasedTrainLoop` in mmengine/runner/loops.py: EpochBasedTrainLoop.__init__() got "
                      "an unexpected keyword argument 'max_epoch'")
    message = user_error_message(error)
    assert message.startswith("class `EpochBasedTrainLoop`") and 'check its spelling' in message
    assert user_error_message(TypeError('unsupported operand')) is None  # a bug keeps its traceback


def test_a_type_set_by_the_same_options_decides_the_new_keys(cfg: Config):
    check_cfg_options(cfg, {'test_cfg.type': 'PoseFixCascadeTestLoop', 'test_cfg.estimator_config': 'x.py'})
    with pytest.raises(ConfigKeyError, match='did you mean estimator_config'):
        check_cfg_options(cfg, {'test_cfg.type': 'PoseFixCascadeTestLoop', 'test_cfg.estimator_confg': 'x.py'})
