"""Checkpoints load with weights_only=True: mmengine/mmpose checkpoints pass, anything else is refused."""
from __future__ import annotations

import os
import pickle
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

from mmpose_ext.utils.safe_checkpoint import TRUST_ENV, UntrustedCheckpointError


class RunsCode:
    """Unpickling calls ``sentinel.write_text`` through ``pathlib.Path``: a stand-in for os.system."""

    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (Path.write_text, (self.target, 'pwned'))


def mmpose_like_checkpoint() -> dict:
    """What mmengine 0.10.7 saves for an mmpose model: numpy dataset_meta, a MessageHub with HistoryBuffers,
    optimizer and scheduler states."""
    hub = MessageHub('ckpt_test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', np.float32(0.25))
    hub.update_info('iter', 7)
    meta = dict(epoch=2, iter=20, seed=0, cfg='model = dict()', mmengine_version='0.10.7',
                dataset_meta=dict(dataset_name='coco', sigmas=np.linspace(0.02, 0.1, 17).astype(np.float32),
                                  flip_indices=[0, 2, 1], keypoint_colors=np.zeros((17, 3), np.uint8),
                                  num_keypoints=17, flip_pairs=[(1, 2)], skeleton_links=[(0, 1)]))
    return dict(meta=meta, state_dict=OrderedDict(w=torch.ones(2, 2)), message_hub=hub.state_dict(),
                optimizer=dict(state={}, param_groups=[dict(lr=np.float64(1e-3), betas=(0.9, 0.999))]),
                param_schedulers=[dict(milestones=Counter([170, 200]), gamma=0.1, last_step=3)])


def test_mmengine_checkpoint_loads_with_weights_only(tmp_path: Path):
    path = tmp_path / 'epoch_2.pth'
    torch.save(mmpose_like_checkpoint(), path)
    with pytest.raises(pickle.UnpicklingError):  # what torch >= 2.6 alone does with such a file
        torch.load(path, weights_only=True)
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2, 2))
    np.testing.assert_allclose(ckpt['meta']['dataset_meta']['sigmas'], np.linspace(0.02, 0.1, 17), rtol=1e-6)
    loss = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer) and loss.mean() == pytest.approx(0.375)
    assert ckpt['param_schedulers'][0]['milestones'] == Counter([170, 200])


def test_code_in_checkpoint_is_refused_and_named(tmp_path: Path):
    sentinel = tmp_path / 'sentinel.txt'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=dict(payload=RunsCode(sentinel))), path)
    with pytest.raises(UntrustedCheckpointError) as err:
        _load_checkpoint(str(path), map_location='cpu')
    message = str(err.value)
    assert 'evil.pth' in message and 'pathlib.Path' in message
    assert TRUST_ENV in message
    assert not sentinel.exists(), 'the pickled callable ran'


def test_getattr_is_limited_to_history_buffer_methods(tmp_path: Path):
    class Reach:
        def __reduce__(self):  # an allowed class, but not one of the statistics methods
            return (getattr, (np.ndarray, 'tofile'))

    path = tmp_path / 'getattr.pth'
    torch.save(dict(meta=dict(x=Reach())), path)
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')


def test_trusted_file_can_be_opted_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sentinel = tmp_path / 'sentinel.txt'
    path = tmp_path / 'trusted.pth'
    torch.save(dict(state_dict={}, meta=dict(payload=RunsCode(sentinel))), path)
    monkeypatch.setenv(TRUST_ENV, str(path))
    _load_checkpoint(str(path), map_location='cpu')
    assert sentinel.read_text() == 'pwned'  # the user's explicit choice: full unpickling


def test_global_opt_out_variable_does_not_bypass_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sentinel = tmp_path / 'sentinel.txt'
    path = tmp_path / 'evil.pth'
    torch.save(dict(meta=dict(payload=RunsCode(sentinel))), path)
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not sentinel.exists()
    assert os.environ['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] == '1'  # restored for the rest of the process


@pytest.mark.parametrize('zipped', [True, False], ids=['zip', 'legacy'])
def test_weights_only_refusal_is_one_line_naming_the_type(tmp_path: Path, zipped: bool):
    from mmpose_ext.tools.common import user_error_message
    from mmpose_ext.utils.safe_checkpoint import load_weights_only
    sentinel = tmp_path / 'sentinel.txt'
    path = tmp_path / 'reference.pth.tar'
    torch.save(dict(state_dict={'w': torch.ones(1)}, payload=RunsCode(sentinel)), path,
               _use_new_zipfile_serialization=zipped)
    with pytest.raises(UntrustedCheckpointError) as err:
        load_weights_only(str(path), allowed_text='tensors and containers')
    message = str(err.value)
    assert message.startswith(f"Refusing to load checkpoint '{path}'")
    assert 'getattr' in message or 'pathlib.Path' in message  # how protocol 2 pickles Path.write_text
    assert 'allows only tensors and containers' in message and TRUST_ENV in message
    assert '\n' not in message and '\x1b' not in message and 'weights_only=False' not in message
    assert not sentinel.exists(), 'the pickled callable ran'
    # tools/test.py and the other tools show it as their one "error:" line, not a traceback
    assert user_error_message(err.value) == message
