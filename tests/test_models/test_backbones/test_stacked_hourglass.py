"""Newell's stacked hourglass: sizes as the references report them, the between-stack merge, and the options."""
from __future__ import annotations

import pytest
import torch
from mmengine.analysis import FlopAnalyzer
from mmpose.registry import MODELS
from torch import nn

from mmpose_ext.models import StackedHourglass
from mmpose_ext.models.backbones.preact_bottleneck import PreActBottleneck

# sum(p.numel()) as the unofficial FPD / OpenVINO hourglass READMEs report it (yuanyuanli85)
REPORTED_PARAMS_M = {
    'hg_s8_b1': (dict(num_stacks=8), 25.59),
    'hg_s2_b1': (dict(num_stacks=2), 6.73),
    'hg_s2_b1_mobile': (dict(num_stacks=2, mobile=True), 2.31),
}
# GFLOPs at 256x256 from the research notes' layer-by-layer count (section 5)
REFERENCE_GFLOPS = {
    'hg_s8_b1': (dict(num_stacks=8), 27.4),
    'hg_s2_b1': (dict(num_stacks=2), 8.3),
    'hg_s2_b1_mobile': (dict(num_stacks=2, mobile=True), 3.4),
    'fpd_student_hg4_128': (dict(num_stacks=4, channels=128), 3.7),
}


def small(**kwargs) -> StackedHourglass:
    args = dict(num_stacks=2, channels=32, depth=2, out_channels=5)
    args.update(kwargs)
    torch.manual_seed(0)
    return StackedHourglass(**args)


def conv_weights(net: nn.Module) -> int:
    return sum(m.weight.numel() for m in net.modules() if isinstance(m, nn.Conv2d))


@pytest.mark.parametrize('name', sorted(REPORTED_PARAMS_M))
def test_parameters_match_reported_counts(name):
    kwargs, reported = REPORTED_PARAMS_M[name]
    params_m = sum(p.numel() for p in StackedHourglass(**kwargs).parameters()) / 1e6
    assert params_m == pytest.approx(reported, rel=0.01), f'{name}: {params_m:.4f}M vs {reported}M'


def test_fpd_student_hg4_128_widths_and_size():
    net = StackedHourglass(num_stacks=4, channels=128)
    assert net.stem[0].out_channels == 32  # stem channels // 4
    bottlenecks = [m for m in net.hourglasses.modules() if isinstance(m, PreActBottleneck)]
    assert {m.body[5].out_channels for m in bottlenecks} == {64}  # planes 64
    # no reported count exists; the notes' analytic 3.25M counts conv weights (it gives 25.43M for hg_s8_b1,
    # whose conv weights are 25.41M here and whose parameters, biases and BatchNorm included, are 25.59M)
    assert conv_weights(net) / 1e6 == pytest.approx(3.25, rel=0.01)
    assert conv_weights(StackedHourglass(num_stacks=8)) / 1e6 == pytest.approx(25.43, rel=0.01)


@pytest.mark.parametrize('name', sorted(REFERENCE_GFLOPS))
def test_gflops_at_256(name):
    kwargs, reference = REFERENCE_GFLOPS[name]
    net = StackedHourglass(**kwargs).eval()
    analyzer = FlopAnalyzer(net, (torch.zeros(1, 3, 256, 256), ))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    gflops = analyzer.total() / 1e9
    assert gflops == pytest.approx(reference, rel=0.10), f'{name}: {gflops:.2f} vs {reference} GFLOPs'


@pytest.mark.parametrize('size', [(64, 48), (72, 56)])
def test_one_heatmap_set_per_stack_at_a_quarter_of_the_input(size):
    net = small(num_stacks=3)
    out = net(torch.randn(2, 3, *size))
    assert isinstance(out, tuple) and len(out) == 3
    for heatmaps in out:
        assert heatmaps.shape == (2, 5, size[0] // 4, size[1] // 4)


def test_registered_and_built_from_config():
    net = MODELS.build(dict(type='StackedHourglass', num_stacks=2, channels=32, depth=2, out_channels=5))
    assert isinstance(net, StackedHourglass)
    assert net.eval() is net


def test_merge_adds_features_and_scores_to_the_stack_input():
    net = small().eval()
    captured = {}
    net.stem.register_forward_hook(lambda m, i, o: captured.update(stem=o.clone()))
    net.features[0].register_forward_hook(lambda m, i, o: captured.update(y=o.clone()))
    net.hourglasses[1].register_forward_hook(lambda m, i, o: captured.update(next_input=i[0].clone()))
    with torch.no_grad():
        out = net(torch.randn(2, 3, 64, 64))
        expected = captured['stem'] + net.feature_merges[0](captured['y']) + net.score_merges[0](out[0])
    torch.testing.assert_close(captured['next_input'], expected)
    assert len(net.feature_merges) == len(net.score_merges) == 1  # none after the last stack


def test_mobile_makes_every_bottleneck_3x3_depthwise_and_keeps_the_stem_conv_full():
    mobile, plain = small(mobile=True), small()
    convs3 = [m for m in mobile.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert convs3 and all(m.groups == m.in_channels == m.out_channels for m in convs3)
    assert mobile.stem[0].kernel_size == (7, 7) and mobile.stem[0].groups == 1
    assert all(m.groups == 1 for m in plain.modules() if isinstance(m, nn.Conv2d))
    bottlenecks = sum(isinstance(m, PreActBottleneck) for m in mobile.modules())
    assert len(convs3) == bottlenecks
    assert sum(p.numel() for p in mobile.parameters()) < sum(p.numel() for p in plain.parameters())


def test_depth_num_blocks_and_stem_channels_shape_the_network():
    net = small(depth=3, num_blocks=2, stem_channels=12)
    assert net.stem[0].out_channels == 12 and small().stem[0].out_channels == 8
    hourglass, levels = net.hourglasses[0], 0
    while hasattr(hourglass, 'inner'):
        levels += 1
        assert len(hourglass.skip) == len(hourglass.pre) == len(hourglass.post) == 2
        hourglass = hourglass.inner
    assert levels == 3 and len(hourglass) == 2
    assert len(net.features[0][0]) == 2


def test_drop_rate_drops_hourglass_outputs_only_in_training():
    net = small(drop_rate=0.5)
    assert any(isinstance(m, nn.Dropout) and m.p == 0.5 for m in net.modules())
    x = torch.randn(2, 3, 64, 64)
    net.train()
    torch.manual_seed(1)
    first = net(x)[-1]
    second = net(x)[-1]
    assert not torch.allclose(first, second)
    net.eval()
    torch.testing.assert_close(net(x)[-1], net(x)[-1])
    plain = small().train()
    torch.testing.assert_close(plain(x)[-1], plain(x)[-1])


def test_tiny_uses_single_conv_residuals_a_shorter_stem_and_merges_features_directly():
    tiny, plain = small(tiny=True), small()
    bottlenecks = [m for m in tiny.modules() if isinstance(m, PreActBottleneck)]
    for unit in bottlenecks:
        convs = [m for m in unit.body if isinstance(m, nn.Conv2d)]
        assert len(convs) == 1 and convs[0].kernel_size == (3, 3)
    count = lambda net: sum(isinstance(m, PreActBottleneck) for m in net.stem)  # noqa: E731
    assert count(tiny) == count(plain) - 1
    assert all(isinstance(m, nn.Identity) for m in tiny.feature_merges)
    assert all(isinstance(m, nn.Conv2d) for m in plain.feature_merges)
    out = tiny(torch.randn(2, 3, 64, 64))
    assert [o.shape for o in out] == [(2, 5, 16, 16)] * 2


def test_attention_gates_features_and_the_later_stacks_heatmaps():
    net = small(num_stacks=8, attention=True).eval()
    assert len(net.holistic_attention) == 8
    assert sorted(net.part_attention, key=int) == ['5', '6', '7']  # second half of the stacks, last included
    assert sorted(small(num_stacks=2, attention=True).part_attention) == ['1']
    assert not hasattr(small(), 'part_attention')

    net = small(num_stacks=2, attention=True).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        before = net(x)
        maps = net.part_attention['1'](torch.randn(2, 32, 16, 16))
        assert maps.shape == (2, 5, 16, 16) and bool(((maps > 0) & (maps < 1)).all())
        net.part_attention['1'].unary.weight.mul_(3.0)  # only the last stack's heatmaps may change
        after = net(x)
        torch.testing.assert_close(after[0], before[0])
        assert not torch.allclose(after[1], before[1])
        net.holistic_attention[0].unary.weight.mul_(3.0)  # the first stack's features feed everything after
        again = net(x)
        assert not torch.allclose(again[0], after[0]) and not torch.allclose(again[1], after[1])


@pytest.mark.parametrize('kwargs,message', [
    (dict(mobile=True, tiny=True), 'mobile'),
    (dict(channels=30), 'multiple of 4'),
    (dict(drop_rate=1.0), 'drop_rate'),
    (dict(num_stacks=0), 'num_stacks'),
    (dict(depth=0), 'depth'),
    (dict(stem_channels=0), 'stem_channels'),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small(**kwargs)
