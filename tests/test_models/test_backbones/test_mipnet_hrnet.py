"""MIPNet's HRNet: the shared-prefix path equals the reference's duplicated batch, and the blocks are as published."""
from __future__ import annotations

import copy

import pytest
import torch
from mmpose.models import HRNet

from mmpose_ext.models import MIPNetHRNet, MultiInstanceModulation


def tiny_extra(width: int = 8) -> dict:
    return dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ), num_channels=(16, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1), num_channels=(width, 2 * width)),
        stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                    num_channels=(width, 2 * width, 4 * width)),
        stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
                    num_channels=(width, 2 * width, 4 * width, 8 * width)))


def hrnet_extra(width: int) -> dict:
    return dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ), num_channels=(64, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4), num_channels=(width, 2 * width)),
        stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4),
                    num_channels=(width, 2 * width, 4 * width)),
        stage4=dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4),
                    num_channels=(width, 2 * width, 4 * width, 8 * width)))


def _randomise(model: torch.nn.Module) -> None:
    # non-trivial weights and BatchNorm statistics, so that a mismatch cannot hide behind near-zero init
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.2)
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn_like(b) * 0.1)
            elif name.endswith('running_var'):
                b.copy_(torch.rand_like(b) + 0.5)


def _pair(mimb_at, num_instances):
    shared = MIPNetHRNet(tiny_extra(), num_instances=num_instances, mimb_at=mimb_at, shared_prefix=True)
    _randomise(shared)
    naive = MIPNetHRNet(tiny_extra(), num_instances=num_instances, mimb_at=mimb_at, shared_prefix=False)
    naive.load_state_dict(shared.state_dict())
    # float64, so that summation order (N copies vs one summed gradient) cannot hide a real mismatch
    return shared.double(), naive.double()


@pytest.mark.parametrize('mode', ['train', 'eval'])
@pytest.mark.parametrize('mimb_at,num_instances', [(('stage4', 'final'), 2), (('stage3', 'final'), 3),
                                                   (('final', ), 2)])
def test_shared_prefix_equals_duplicated_batch(mode, mimb_at, num_instances):
    shared, naive = _pair(mimb_at, num_instances)
    shared.train(mode == 'train')
    naive.train(mode == 'train')
    x = torch.randn(3, 3, 96, 96, dtype=torch.float64)
    out_shared = shared(x)
    out_naive = naive(x)
    assert out_shared[0].shape == (num_instances * 3, 8, 24, 24)
    for a, b in zip(out_shared, out_naive):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)

    # same loss on both paths -> same gradients on every parameter
    weight = torch.randn_like(out_shared[0])
    (out_shared[0] * weight).sum().backward()
    (out_naive[0] * weight).sum().backward()
    grads_naive = dict(naive.named_parameters())
    for name, p in shared.named_parameters():
        q = grads_naive[name]
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            torch.testing.assert_close(p.grad, q.grad, rtol=1e-8, atol=1e-10, msg=lambda m: f'{name}: {m}')

    if mode == 'train':
        # BatchNorm running means agree; running variances differ only by the unbiased n/(n-1) factor of the
        # prefix layers (n elements once vs N times): at most momentum / (n - 1) = 0.1 / 26 relative here
        buffers_naive = dict(naive.named_buffers())
        for name, b in shared.named_buffers():
            if name.endswith('running_mean'):
                torch.testing.assert_close(b, buffers_naive[name], rtol=1e-9, atol=1e-12)
            elif name.endswith('running_var'):
                torch.testing.assert_close(b, buffers_naive[name], rtol=1e-2, atol=1e-5)


def test_instances_differ_only_through_lambda():
    model = MIPNetHRNet(tiny_extra())
    _randomise(model)
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    out = model(x)[0]
    assert not torch.allclose(out[:2], out[2:]), 'both lambdas gave the same features'
    # the same crop twice in a batch gives the same features for each lambda
    out_twice = model(torch.cat([x[:1], x[:1]]))[0]
    torch.testing.assert_close(out_twice[0], out_twice[1])
    torch.testing.assert_close(out_twice[2], out_twice[3])


def test_block_is_multiplicative_with_published_layout():
    block = MultiInstanceModulation(48, num_instances=2, reduction=4)
    linears = [m for m in block.excite if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features, m.bias is None) for m in linears] == [(48, 12, True), (12, 48, True)]
    kinds = [type(m).__name__ for m in block.embed]
    assert kinds == ['Linear', 'BatchNorm1d', 'ReLU', 'Linear']
    assert block.embed[0].in_features == 2 and block.embed[0].bias is not None and block.embed[3].bias is not None
    block.eval()
    x = torch.randn(2, 48, 5, 4)
    lam = torch.eye(2)
    expected = x * torch.sigmoid(block.excite(x.mean((2, 3))))[..., None, None] * \
        torch.sigmoid(block.embed(lam))[..., None, None]
    torch.testing.assert_close(block(x, lam), expected)
    assert torch.equal(block(torch.zeros_like(x), lam), torch.zeros_like(x)), 'no additive term allowed'


@pytest.mark.parametrize('width,extra_params', [(32, 67_200), (48, 150_336)])
def test_blocks_add_published_parameter_count(width, extra_params):
    # research notes: MIMB adds 0.067 M parameters to HRNet-W32 and 0.150 M to HRNet-W48
    mipnet = sum(p.numel() for p in MIPNetHRNet(hrnet_extra(width)).parameters())
    hrnet = sum(p.numel() for p in HRNet(hrnet_extra(width)).parameters())
    assert mipnet - hrnet == extra_params


def test_hook_points_are_configurable_and_checked():
    model = MIPNetHRNet(tiny_extra(), mimb_at=('stage2', 'stage3', 'stage4', 'final'), num_instances=3)
    assert [len(model.mimb[p]) for p in ('stage2', 'stage3', 'stage4', 'final')] == [2, 3, 4, 1]
    assert model.mimb['stage2'][0].embed[0].in_features == 3
    with pytest.raises(ValueError, match='mimb_at'):
        MIPNetHRNet(tiny_extra(), mimb_at=('stage5', ))
    with pytest.raises(ValueError, match='mimb_at'):
        MIPNetHRNet(tiny_extra(), mimb_at=())


def test_hrnet_weights_load_with_only_block_parameters_missing():
    hrnet = HRNet(tiny_extra())
    model = MIPNetHRNet(tiny_extra())
    result = model.load_state_dict(copy.deepcopy(hrnet.state_dict()), strict=False)
    assert not result.unexpected_keys
    assert result.missing_keys and all(k.startswith('mimb.') for k in result.missing_keys)
