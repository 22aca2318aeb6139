"""Every config in configs/ builds its model, trains one step on a tiny batch with a gradient for every trainable
parameter, and runs forward on the ``meta`` device (which catches tensors created on a fixed device)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmpose_ext.analysis.benchmark import build_model, fake_batch, model_input_size

ROOT = Path(__file__).resolve().parents[1]
ALIASES = {ROOT / 'configs' / 'mipnet_w48.py': ROOT / 'configs' / 'mipnet' / 'td-hm_mipnet-w48_coco-384x288.py'}
CONFIGS = sorted(p for p in (ROOT / 'configs').rglob('*.py')
                 if '_base_' not in p.relative_to(ROOT).parts and p not in ALIASES)
SMALL_INPUT = (64, 64)  # (width, height)


def test_configs_exist():
    assert CONFIGS, 'no configs found'
    top_level = sorted(p.name for p in (ROOT / 'configs').glob('*.py'))
    assert top_level == ['mipnet_w48.py'], f'configs belong in a method folder; only the one alias stays: {top_level}'


@pytest.mark.parametrize('alias', sorted(ALIASES), ids=lambda p: p.name)
def test_alias_is_the_same_config(alias: Path):
    # the alias is the README's entry point; it must not drift from the method folder's config
    assert Config.fromfile(str(alias)).to_dict() == Config.fromfile(str(ALIASES[alias])).to_dict()


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: str(p.relative_to(ROOT / 'configs')))
def test_config_trains_one_step(config: Path):
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    model = build_model(cfg)
    model.train()
    # a small input keeps the W48 384x288 configs at seconds on two CPU cores; every layer still runs (HRNet's
    # lowest branch is 1/32 of the input), and the full size is checked on the meta device below
    batch = fake_batch(cfg, batch_size=2, input_size=SMALL_INPUT)
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(loss), f'{config.name}: non-finite loss {losses}'
    loss.backward()
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    assert trainable
    no_grad = [n for n, p in trainable if p.grad is None]
    assert not no_grad, f'{config.name}: parameters without gradient: {no_grad[:10]}'
    non_finite = [n for n, p in trainable if not torch.isfinite(p.grad).all()]
    assert not non_finite, f'{config.name}: non-finite gradients: {non_finite[:10]}'


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: str(p.relative_to(ROOT / 'configs')))
def test_config_model_runs_on_meta_device(config: Path):
    cfg = Config.fromfile(str(config))
    model = build_model(cfg).to('meta').eval()
    w, h = model_input_size(cfg)
    x = torch.empty(2, 3, h, w, device='meta')
    with torch.no_grad():
        out = model(x, None, mode='tensor')
    outputs = out if isinstance(out, (list, tuple)) else [out]
    assert outputs and all(t.device.type == 'meta' for t in outputs if isinstance(t, torch.Tensor))
