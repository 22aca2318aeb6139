"""torch.compile (mmengine's ``compile`` config setting, the benchmark's --compile) gives the eager results.

On an accelerator the backend is inductor, what ``compile=True`` uses. On a CPU it is ``aot_eager``: the same
TorchDynamo graph capture and AOT autograd as inductor, without its C++ code generation, which takes minutes for
a whole HRNet on a small CPU (set MMPOSE_EXT_COMPILE_BACKEND=inductor to check that too).
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Optional

import pytest
import torch
from mmengine.config import Config
from mmengine.device import get_device

from mmpose_ext.analysis.benchmark import build_model

ROOT = Path(__file__).resolve().parents[2]
MIPNET_LITE = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
BACKEND = os.environ.get('MMPOSE_EXT_COMPILE_BACKEND', 'aot_eager' if get_device() == 'cpu' else 'inductor')


def _compile_unavailable() -> Optional[str]:
    """Why torch.compile cannot run here, or None."""
    try:
        compiled = torch.compile(lambda x: torch.sigmoid(x) * 2, backend=BACKEND)
        compiled(torch.ones(3, device=get_device()))
    except Exception as err:  # no C++ compiler for inductor, an unsupported Python, ...
        return f'torch.compile (backend {BACKEND}) cannot run here: {type(err).__name__}: ' + \
            str(err).strip().splitlines()[0][:200]
    return None


@pytest.fixture(scope='module')
def compile_ready() -> None:
    reason = _compile_unavailable()
    if reason:
        pytest.skip(reason)


def test_compiled_mipnet_matches_eager(compile_ready):
    """MIPNet-lite (lambda blocks, the shared prefix, HRNet fusion) in training mode: outputs and gradients of the
    compiled forward (TorchDynamo graph, AOT autograd's forward and backward graphs) equal the eager ones."""
    torch.manual_seed(0)
    device = get_device()
    model = build_model(Config.fromfile(str(ROOT / MIPNET_LITE))).to(device).train()
    twin = copy.deepcopy(model)  # each sees the batch once, so BatchNorm statistics advance the same way
    x = torch.randn(2, 3, 64, 64, device=device)
    torch._dynamo.reset()
    eager = model(x, None, mode='tensor')
    compiled = torch.compile(twin.forward, backend=BACKEND)(x, None, mode='tensor')
    torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-5)
    eager.square().sum().backward()
    compiled.square().sum().backward()
    for (name, p), q in zip(model.named_parameters(), twin.parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-3, atol=1e-6, msg=lambda m: f'{name}: {m}')
