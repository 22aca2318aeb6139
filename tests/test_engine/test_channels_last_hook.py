from __future__ import annotations

from types import SimpleNamespace

import torch
from torch import nn

from mmpose_ext.engine import ChannelsLastHook


def test_hook_converts_conv_weights_and_keeps_parameter_identity():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Conv2d(8, 4, 1))
    params = list(model.parameters())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not model[0].weight.is_contiguous()  # really NHWC, not a no-op
    assert all(a is b for a, b in zip(params, model.parameters()))
    out = model(torch.randn(2, 3, 9, 9))
    assert out.is_contiguous(memory_format=torch.channels_last)
    out.sum().backward()
    optimizer.step()  # the optimizer still updates the converted parameters
