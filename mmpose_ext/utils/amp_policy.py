"""What ``--amp`` switches on: the autocast dtype the device does best, channels-last and cuDNN autotuning.

The benchmark tool measured MIPNet-W48's training step with bf16, channels-last and cuDNN autotuning (253.6 img/s
on an H200, batch 64); ``tools/train.py CONFIG --amp`` used float16 without channels-last, and the real run gave half
of it (issue 22). :func:`apply_amp_levers` gives ``--amp`` the benchmark's levers:

- the autocast dtype, when ``--amp-dtype`` is not given: bfloat16 where the device runs it natively (the same range
  as float32, so no loss-scale overflows, and at least float16's speed on Ampere and later GPUs), float16 elsewhere
  and on Ascend NPUs (their mixed precision is built around float16);
- channels-last (:class:`~mmpose_ext.engine.hooks.ChannelsLastHook`): NHWC convolutions on tensor cores; the
  outputs equal the default memory format's to float rounding (a test checks it);
- cuDNN autotuning (``env_cfg.cudnn_benchmark=True``) unless the config sets it to False itself (the bottom-up
  HigherHRNet configs do: their test images change size);
- in bfloat16, no loss scaling (mmengine's ``AmpOptimWrapper`` with a disabled ``GradScaler``): bfloat16 has float32's
  range, and the dynamic scaler reads its overflow flag on the host every step; float16 keeps dynamic scaling.

The device's capability is asked through ``torch.get_device_module(device_type)`` (mmengine names the device
type), so no device is named here.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
from mmengine.config import Config

FLOAT16, BFLOAT16 = 'float16', 'bfloat16'


def device_supports_bf16(device_type: str) -> Optional[bool]:
    """Whether ``device_type`` (mmengine's ``get_device()``) runs bfloat16 natively; ``None`` if it cannot say.

    Emulated bfloat16 (older GPUs, where torch would run it through float32 kernels) counts as unsupported.

    Args:
        device_type: ``'cpu'``, ``'npu'``, ``'mlu'``, ... (an index such as ``':0'`` is ignored).
    """
    device_type = device_type.split(':')[0]
    if device_type == 'cpu':
        return None
    try:
        module = torch.get_device_module(device_type)
    except (RuntimeError, AttributeError, ValueError):
        return None
    check = getattr(module, 'is_bf16_supported', None)
    if check is None:
        return None
    try:
        return bool(check(including_emulation=False))
    except TypeError:  # older torch, or a backend without the argument
        return bool(check())
    except Exception:  # noqa: BLE001 (a backend that cannot answer before it is initialised)
        return None


def choose_amp_dtype(device_type: str, bf16_supported: Optional[bool]) -> Tuple[str, str]:
    """The autocast dtype for ``--amp`` without ``--amp-dtype``, and why.

    Args:
        device_type: mmengine's device name (``get_device()``).
        bf16_supported: :func:`device_supports_bf16` of that device (``None``: unknown).

    Returns:
        ``(dtype, reason)``, dtype being ``'bfloat16'`` or ``'float16'``.
    """
    device_type = device_type.split(':')[0]
    if device_type == 'npu':
        return FLOAT16, 'Ascend NPU: its mixed precision is built around float16'
    if bf16_supported:
        return BFLOAT16, f'{device_type} supports bfloat16 natively: float32 range, no loss-scale overflow'
    if bf16_supported is None:
        return FLOAT16, f'{device_type} does not say whether it supports bfloat16'
    return FLOAT16, f'{device_type} has no native bfloat16'


def apply_amp_levers(cfg: Config, device_type: str, amp_dtype: Optional[str] = None,
                     bf16_supported: Optional[bool] = None, channels_last: bool = True) -> str:
    """Sets mixed precision with the benchmark's levers on ``cfg`` (in place) and returns the line to log.

    Args:
        cfg: the training config; its ``optim_wrapper`` must be an ``OptimWrapper`` or ``AmpOptimWrapper``.
        device_type: the device training will run on (mmengine's ``get_device()``).
        amp_dtype: ``--amp-dtype``; ``None`` chooses with :func:`choose_amp_dtype`.
        bf16_supported: the device's answer (``None``: ask :func:`device_supports_bf16`).
        channels_last: add :class:`~mmpose_ext.engine.hooks.ChannelsLastHook` unless the config has it.

    Returns:
        One line saying which dtype and why, and what else was switched on.
    """
    from mmpose_ext.engine.hooks import ChannelsLastHook

    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    if amp_dtype:
        dtype, reason = amp_dtype, 'set by --amp-dtype'
    else:
        if bf16_supported is None:
            bf16_supported = device_supports_bf16(device_type)
        dtype, reason = choose_amp_dtype(device_type, bf16_supported)
    cfg.optim_wrapper.dtype = dtype
    levers = []
    if 'loss_scale' in cfg.optim_wrapper:
        pass  # the config's own choice
    elif dtype == BFLOAT16:
        # bfloat16 has float32's exponent range: gradients do not underflow, so no loss scaling; a dynamic scaler
        # would also read its overflow flag on the host at every step (a synchronisation per iteration)
        cfg.optim_wrapper.loss_scale = dict(enabled=False)
        levers.append('no loss scaling')
    else:
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if channels_last:
        hooks = list(cfg.get('custom_hooks', None) or [])
        names = {h.get('type') if isinstance(h.get('type'), str) else getattr(h.get('type'), '__name__', '')
                 for h in hooks if isinstance(h, dict)}
        if 'ChannelsLastHook' not in names:
            hooks.append(dict(type=ChannelsLastHook))
        cfg.custom_hooks = hooks
        levers.append('channels-last')
    env_cfg = cfg.get('env_cfg', None)
    if env_cfg is None:
        cfg.env_cfg = env_cfg = dict()
    if env_cfg.get('cudnn_benchmark', None) is False:
        levers.append('cuDNN autotuning off (set so by the config)')
    else:
        env_cfg['cudnn_benchmark'] = True
        levers.append('cuDNN autotuning')
    return f'--amp: {dtype} ({reason}); {", ".join(levers)}'
