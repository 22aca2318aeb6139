"""A checkpoint that does not fit the model is refused with one line and the fix, never scored silently."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from mmpose_ext.utils.checkpoint_match import (CheckpointMismatchError, check_checkpoint_fits, compare_state_dicts,
                                               layout_hint)

ROOT = Path(__file__).resolve().parents[2]
MIPNET = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
HRNET = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'


def _model(config: str) -> torch.nn.Module:
    return MODELS.build(Config.fromfile(str(ROOT / config)).model)


def test_a_fitting_checkpoint_passes_and_ignores_bn_counters():
    model = _model(HRNET)
    state = {k: v for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}
    assert not check_checkpoint_fits(model, {'state_dict': {'module.' + k: v for k, v in state.items()}}, 'x.pth')


def test_fpd_checkpoint_into_its_student_names_the_export_tool():
    model = _model(HRNET)
    fpd = {'state_dict': {'student.' + k: v for k, v in model.state_dict().items()}}
    with pytest.raises(CheckpointMismatchError, match=r'checkpoint fpd\.pth: no weight of it fits the model for '
                       r'cfg\.py .*FPD distiller checkpoint .*tools/convert/fpd_to_student\.py'):
        check_checkpoint_fits(model, fpd, 'fpd.pth', 'cfg.py')


def test_another_models_checkpoint_counts_what_does_not_fit():
    mipnet, hrnet = _model(MIPNET), _model(HRNET)
    mismatch = compare_state_dicts(mipnet.state_dict(), hrnet.state_dict())
    assert mismatch and mismatch.missing  # MIPNet's lambda blocks are not in an HRNet checkpoint
    with pytest.raises(CheckpointMismatchError, match=r'it does not fit the model: \d+ keys match, \d+ missing'):
        check_checkpoint_fits(mipnet, {'state_dict': hrnet.state_dict()}, 'hrnet.pth')
    # the rare intended partial load
    assert check_checkpoint_fits(mipnet, {'state_dict': hrnet.state_dict()}, 'hrnet.pth', allow_partial=True)


def test_one_reshaped_key_is_enough_to_refuse():
    model = _model(HRNET)
    state = dict(model.state_dict())
    key = next(k for k, v in state.items() if v.ndim == 4)
    state[key] = torch.zeros(1, *state[key].shape[1:])
    with pytest.raises(CheckpointMismatchError, match=f'1 wrong shape \\(first: {key}'):
        check_checkpoint_fits(model, state, 'x.pth')


@pytest.mark.parametrize('key, tool', [('stage2_se.0.fc_lambda.0.weight', 'mipnet_to_mmpose_ext'),
                                       ('final_layers.0.weight', 'higherhrnet_to_mmpose_ext'),
                                       ('hg.0.hg.0.0.0.bn1.weight', 'hourglass_to_mmpose_ext'),
                                       ('teacher.backbone.conv1.weight', 'fpd_to_student')])
def test_reference_layouts_get_their_converter(key: str, tool: str):
    assert f'tools/convert/{tool}.py' in layout_hint(['conv1.weight', key])


def test_init_model_refuses_a_checkpoint_of_another_model(tmp_path: Path):
    """mmpose's own ``init_model`` (the Python API) refuses too once the plugin is imported."""
    from mmpose.apis import init_model
    wrong = tmp_path / 'student_of_fpd.pth'
    torch.save({'state_dict': {'student.' + k: v for k, v in _model(HRNET).state_dict().items()}}, wrong)
    with pytest.raises(CheckpointMismatchError, match='fpd_to_student'):
        init_model(str(ROOT / HRNET), str(wrong), device='cpu')
    right = tmp_path / 'hrnet.pth'
    torch.save({'state_dict': _model(HRNET).state_dict()}, right)
    assert init_model(str(ROOT / HRNET), str(right), device='cpu') is not None
