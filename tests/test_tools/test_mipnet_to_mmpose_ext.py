"""Reference MIPNet checkpoints convert into this plugin's model, with lambda meaning the same person."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from mmpose_ext.tools.mipnet_to_mmpose_ext import ConversionError, convert_state_dict

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'configs' / 'mipnet' / 'td-hm_mipnet-lite_synthcrowd-128x96.py'


def reference_layout(model: torch.nn.Module) -> dict:
    """The same weights under the reference's key names (pose_hrnet_se_lambda, DataParallel prefix), written from
    its layout: HRNet at top level, final_layer, stage3_se = stage-4 inputs, stage4_se = final feature."""
    names = {'excite': 'fc', 'embed': 'fc_lambda'}
    hooks = {'stage4': 'stage3_se', 'final': 'stage4_se'}
    out = {}
    for key, value in model.state_dict().items():
        if key.startswith('backbone.mimb.'):
            _, _, hook, branch, part, rest = key.split('.', 5)
            out[f'module.{hooks[hook]}.se_layers.{branch}.{names[part]}.{rest}'] = value.clone()
        elif key.startswith('backbone.'):
            out['module.' + key[len('backbone.'):]] = value.clone()
        else:
            out['module.' + key[len('head.'):]] = value.clone()
    return out


def reference_block(layer: dict, x: torch.Tensor, code_lambda: float) -> torch.Tensor:
    """One reference lambda block in eval mode, from its published definition: x * sig(fc(gap x)) *
    sig(fc_lambda([lambda, 1 - lambda])), with the reference's code convention (lambda = 1: the box's person)."""
    g = x.mean((2, 3))
    se = torch.sigmoid(torch.relu(g @ layer['fc.0.weight'].T) @ layer['fc.2.weight'].T)
    v = torch.tensor([[code_lambda, 1 - code_lambda]]).expand(x.shape[0], 2)
    h = v @ layer['fc_lambda.0.weight'].T + layer['fc_lambda.0.bias']
    h = (h - layer['fc_lambda.1.running_mean']) / torch.sqrt(layer['fc_lambda.1.running_var'] + 1e-5)
    h = torch.relu(h * layer['fc_lambda.1.weight'] + layer['fc_lambda.1.bias'])
    z = torch.sigmoid(h @ layer['fc_lambda.3.weight'].T + layer['fc_lambda.3.bias'])
    return x * se[..., None, None] * z[..., None, None]


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    net = MODELS.build(Config.fromfile(str(CONFIG)).model)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.3)
        for name, b in net.named_buffers():
            if 'running_var' in name:
                b.uniform_(0.5, 1.5)
            elif 'running_mean' in name:
                b.normal_(0, 0.2)
    return net.eval()


def test_reference_state_dict_converts_to_every_key(model):
    reference = reference_layout(model)
    converted = convert_state_dict(reference)
    assert set(converted) == set(model.state_dict())
    for key, value in model.state_dict().items():
        torch.testing.assert_close(converted[key], value, msg=lambda m: f'{key}: {m}')


def test_lambda_selects_the_same_person_after_conversion(model):
    reference = reference_layout(model)
    converted = MODELS.build(Config.fromfile(str(CONFIG)).model).eval()
    converted.load_state_dict(convert_state_dict(reference))
    layer = {k.split('se_layers.0.', 1)[1]: v for k, v in reference.items() if k.startswith('module.stage3_se.se_layers.0.')}
    x = torch.randn(2, 16, 8, 6)
    block = converted.backbone.mimb['stage4'][0]
    eye = torch.eye(2)
    # our instance 0 (box's own person) == reference code lambda 1; instance 1 == code lambda 0
    torch.testing.assert_close(block(x, eye[[0, 0]]), reference_block(layer, x, 1.0))
    torch.testing.assert_close(block(x, eye[[1, 1]]), reference_block(layer, x, 0.0))


def test_tool_writes_a_checkpoint_that_loads(model, tmp_path, run_tool, repo_root):
    src = tmp_path / 'checkpoint_103.pth'
    torch.save({'epoch': 103, 'state_dict': reference_layout(model), 'perf': 0.5}, src)
    dst = tmp_path / 'mipnet_lite_converted.pth'
    proc = run_tool([sys.executable, 'tools/convert/mipnet_to_mmpose_ext.py', str(src), str(dst), '--config',
                     str(CONFIG)])
    assert 'matches' in proc.stdout
    from mmengine.runner import load_checkpoint
    fresh = MODELS.build(Config.fromfile(str(CONFIG)).model)
    load_checkpoint(fresh, str(dst), strict=True)
    torch.testing.assert_close(fresh.state_dict()['head.final_layer.weight'], model.state_dict()['head.final_layer.weight'])


def test_wrong_checkpoints_are_refused(model, tmp_path):
    plain_hrnet = {k: v for k, v in reference_layout(model).items() if '_se.' not in k}
    with pytest.raises(ConversionError, match='not a MIPNet'):
        convert_state_dict(plain_hrnet)
    bad = reference_layout(model)
    bad['module.stage3_se.se_layers.0.fc_lambda.0.weight'] = torch.zeros(4, 3)
    with pytest.raises(ConversionError, match='lambda input weight'):
        convert_state_dict(bad)


def test_tool_refuses_mismatched_model(model, tmp_path):
    import subprocess
    src = tmp_path / 'ref.pth'
    torch.save(reference_layout(model), src)
    proc = subprocess.run([sys.executable, 'tools/convert/mipnet_to_mmpose_ext.py', str(src), str(tmp_path / 'o.pth'),
                           '--config', 'configs/mipnet/td-hm_mipnet-w32_coco-256x192.py'],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0 and 'does not fit' in proc.stderr
    assert not (tmp_path / 'o.pth').exists()
