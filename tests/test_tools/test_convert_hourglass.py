"""Published stacked-hourglass checkpoints (bearpaw/pytorch-pose, yuanyuanli85's mobile/FPD fork, the official FPD
code) convert into StackedHourglass + MultiStackHeatmapHead. The reference key layouts are built here from the
facts in the research notes (checkpoint-formats.md); a functional forward written from the same facts checks that
the converted model computes what the reference layout computes."""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_ext.tools.hourglass_to_mmpose_ext import (EVALUATION, PYTORCH_POSE_MEAN, ConversionError,
                                                      convert_state_dict, main)
from mmpose_ext.utils.checkpoint_conversion import refuse_mismatch

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / 'configs' / 'hourglass_fpd'
BN = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')


def reference_shapes(stacks: int, features: int, joints: int, mobile: bool = False, depth: int = 4,
                     blocks: int = 1) -> Dict[str, Tuple[int, ...]]:
    """Key -> shape of the reference hourglass: stem F/4, bottleneck planes F/2, stream F; expansion 2."""
    shapes: Dict[str, Tuple[int, ...]] = {}

    def bn(prefix: str, channels: int) -> None:
        for name in BN:
            shapes[f'{prefix}.{name}'] = () if name == 'num_batches_tracked' else (channels, )

    def conv(prefix: str, cout: int, cin: int, k: int) -> None:
        shapes[f'{prefix}.weight'], shapes[f'{prefix}.bias'] = (cout, cin, k, k), (cout, )

    def bottleneck(prefix: str, cin: int, planes: int) -> None:
        bn(f'{prefix}.bn1', cin)
        conv(f'{prefix}.conv1', planes, cin, 1)
        bn(f'{prefix}.bn2', planes)
        conv(f'{prefix}.conv2', planes, 1 if mobile else planes, 3)
        bn(f'{prefix}.bn3', planes)
        conv(f'{prefix}.conv3', 2 * planes, planes, 1)
        if cin != 2 * planes:
            conv(f'{prefix}.downsample.0', 2 * planes, cin, 1)

    conv('conv1', features // 4, 3, 7)
    bn('bn1', features // 4)
    bottleneck('layer1.0', features // 4, features // 4)
    bottleneck('layer2.0', features // 2, features // 2)
    bottleneck('layer3.0', features, features // 2)
    for s in range(stacks):
        for level in range(depth):
            for branch in range(4 if level == 0 else 3):
                for b in range(blocks):
                    bottleneck(f'hg.{s}.hg.{level}.{branch}.{b}', features, features // 2)
        for b in range(blocks):
            bottleneck(f'res.{s}.{b}', features, features // 2)
        conv(f'fc.{s}.0', features, features, 1)
        bn(f'fc.{s}.1', features)
        conv(f'score.{s}', joints, features, 1)
        if s < stacks - 1:
            conv(f'fc_.{s}', features, features, 1)
            conv(f'score_.{s}', features, joints, 1)
    return shapes


def random_reference(shapes: Dict[str, Tuple[int, ...]], seed: int = 0) -> Dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in shapes.items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(7)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        else:
            state[key] = torch.randn(shape, generator=gen) * 0.2
    return state


def reference_forward(sd: Dict[str, torch.Tensor], x: torch.Tensor, stacks: int, depth: int = 4) -> list:
    """The reference network in eval mode, written from its description: pre-activation bottlenecks, 7x7/2 stem,
    layer1, max pool, layer2, layer3; recursive hourglass (skip, pool, branch 1, inner or branch 3, branch 2,
    nearest x2); per stack res, fc (conv, BN, ReLU), score; merge x + fc_(y) + score_(score)."""
    def bn(p, t):
        return F.batch_norm(t, sd[f'{p}.running_mean'], sd[f'{p}.running_var'], sd[f'{p}.weight'],
                            sd[f'{p}.bias'], False, 0.0, 1e-5)

    def conv(p, t, stride=1):
        w = sd[f'{p}.weight']
        return F.conv2d(t, w, sd[f'{p}.bias'], stride=stride, padding=w.shape[-1] // 2,
                        groups=t.shape[1] // w.shape[1])

    def block(p, t):
        out = conv(f'{p}.conv1', F.relu(bn(f'{p}.bn1', t)))
        out = conv(f'{p}.conv2', F.relu(bn(f'{p}.bn2', out)))
        out = conv(f'{p}.conv3', F.relu(bn(f'{p}.bn3', out)))
        return out + (conv(f'{p}.downsample.0', t) if f'{p}.downsample.0.weight' in sd else t)

    def blocks(p, t):
        b = 0
        while f'{p}.{b}.bn1.weight' in sd:
            t, b = block(f'{p}.{b}', t), b + 1
        return t

    def hourglass(s, n, t):
        up = blocks(f'hg.{s}.hg.{n - 1}.0', t)
        low = blocks(f'hg.{s}.hg.{n - 1}.1', F.max_pool2d(t, 2, 2))
        low = hourglass(s, n - 1, low) if n > 1 else blocks(f'hg.{s}.hg.0.3', low)
        low = blocks(f'hg.{s}.hg.{n - 1}.2', low)
        return up + F.interpolate(low, scale_factor=2, mode='nearest')

    t = F.relu(bn('bn1', conv('conv1', x, stride=2)))
    t = block('layer1.0', t)
    t = block('layer3.0', block('layer2.0', F.max_pool2d(t, 2, 2)))
    out = []
    for s in range(stacks):
        y = blocks(f'res.{s}', hourglass(s, depth, t))
        y = F.relu(bn(f'fc.{s}.1', conv(f'fc.{s}.0', y)))
        score = conv(f'score.{s}', y)
        out.append(score)
        if s < stacks - 1:
            t = t + conv(f'fc_.{s}', y) + conv(f'score_.{s}', score)
    return out


def n_params(shapes: Dict[str, Tuple[int, ...]]) -> int:
    return sum(int(np.prod(s)) for k, s in shapes.items() if not k.endswith(('running_mean', 'running_var',
                                                                                'num_batches_tracked')))


# reference: (stacks, features, joints, mobile), published params and keys, and the config it converts into
PUBLISHED = {
    'pytorch-pose hg_s8_b1': ((8, 256, 16, False), 25_594_624, 2526, 'td-hm_hourglass-s8-b1_mpii-256x256.py'),
    'pytorch-pose hg_s2_b1': ((2, 256, 16, False), 6_730_912, 684, 'td-hm_hourglass-s2-b1_mpii-256x256.py'),
    'fast-pose hg_s2_b1_mobile(_fpd)': ((2, 256, 16, True), 2_305_504, 684,
                                        'td-hm_hourglass-s2-b1-mobile_mpii-256x256.py'),
    'official FPD HG8-256': ((8, 256, 16, False), 25_594_624, 2526, 'td-hm_hourglass-s8-256_mpii-256x256.py'),
    'official FPD HG4-128': ((4, 128, 16, False), 3_287_936, 1298, 'td-hm_hourglass-s4-128_mpii-256x256.py'),
}


@pytest.mark.parametrize('name', sorted(PUBLISHED))
def test_published_layout_converts_to_exactly_the_config_model(name: str):
    spec, params, keys, config = PUBLISHED[name]
    shapes = reference_shapes(*spec)
    assert (n_params(shapes), len(shapes)) == (params, keys)  # the layout built here is the published one
    reference = {f'module.{k}': torch.empty(s, device='meta') for k, s in shapes.items()}
    converted = convert_state_dict(reference)
    with torch.device('meta'):
        model = MODELS.build(Config.fromfile(str(CONFIGS / config)).model)
    expected = model.state_dict()
    assert set(converted) == set(expected)
    assert all(converted[k].shape == v.shape for k, v in expected.items())


@pytest.mark.parametrize('config,stacks,mobile', [('td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py', 2, True),
                                                  ('td-hm_hourglass-s4-64_synthcrowd-128x128.py', 4, False)])
def test_converted_model_computes_the_reference_outputs(config: str, stacks: int, mobile: bool):
    reference = random_reference(reference_shapes(stacks, 64, 17, mobile))
    for key in [k for k in reference if k.endswith('num_batches_tracked')]:
        del reference[key]  # files of PyTorch < 0.4.1
    model = MODELS.build(Config.fromfile(str(CONFIGS / config)).model).eval()
    model.load_state_dict(convert_state_dict(reference), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ours, theirs = model.backbone(x), reference_forward(reference, x, stacks)
    assert len(ours) == stacks
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def _write_formats(tmp_path: Path) -> Dict[str, Tuple[Path, str, Dict[str, torch.Tensor]]]:
    """One file per source, in a container that source writes: ``{source: (file, config, reference)}``."""
    mobile = random_reference(reference_shapes(2, 64, 17, mobile=True))
    full = random_reference(reference_shapes(4, 64, 17))
    mobile_config = CONFIGS / 'td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py'
    full_config = CONFIGS / 'td-hm_hourglass-s4-64_synthcrowd-128x128.py'
    files = {
        # yuanyuanli85's fork writes pytorch-pose's checkpoint.pth.tar (DataParallel, best_acc a 0-dim tensor)
        'fast-pose-mobile': (dict(epoch=90, arch='hg', state_dict={f'module.{k}': v for k, v in mobile.items()},
                                  best_acc=torch.tensor(0.88), optimizer={}), mobile_config, mobile),
        # pytorch-pose's convert_checkpoint.py output: a bare state dict
        'pytorch-pose': (dict(full), full_config, full),
        # official FPD checkpoint.pth: perf is a numpy.float64, model a name
        'fpd-official': (dict(epoch=140, model='pose_hourglass', state_dict={f'module.{k}': v for k, v in full.items()},
                              best_state_dict=dict(full), perf=np.float64(89.04), optimizer={}), full_config, full),
    }
    paths = {}
    for name, (content, config, reference) in files.items():
        paths[name] = (tmp_path / f'{name}.pth', str(config), reference)
        torch.save(content, paths[name][0])
    return paths


def test_cli_reads_each_reference_file_format(tmp_path: Path, capsys):
    for source, (path, config, reference) in _write_formats(tmp_path).items():
        expected = convert_state_dict(reference)
        out = tmp_path / f'{source}_converted.pth'
        main([str(path), str(out), '--config', config, '--source', source])
        printed = capsys.readouterr().out
        command = next(line for line in printed.splitlines() if line.startswith('evaluate as '))
        # the printed overrides survive a shell with failglob (unquoted [...] would be a glob) and are valid keys
        words = shlex.split(command.split(' does: ', 1)[1])
        options = words[words.index('--cfg-options') + 1:]
        quoted = command.split('--cfg-options ')[1]
        echoed = subprocess.run(['bash', '-O', 'failglob', '-c', 'printf "%s\\n" ' + quoted], capture_output=True,
                                text=True, check=True).stdout.splitlines()
        assert options == echoed == EVALUATION[source]
        cfg = Config.fromfile(config)
        parser = argparse.ArgumentParser()
        parser.add_argument('--cfg-options', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--cfg-options', *options]).cfg_options)
        if source != 'fpd-official':  # the reference's mean.pth.tar values x 255, unrounded
            assert [np.float32(m / 255) for m in cfg.model.data_preprocessor.mean] == \
                [np.float32(m) for m in PYTORCH_POSE_MEAN]
            assert list(cfg.model.data_preprocessor.std) == [255.0] * 3 and not cfg.model.test_cfg.shift_heatmap
            assert 'joint scores are half its heatmap peaks' in printed
        assert ('depthwise (mobile)' in printed) == (source == 'fast-pose-mobile')
        assert ('bgr_to_rgb=False' in printed) == (source == 'fpd-official')
        written = torch.load(out, map_location='cpu', weights_only=True)
        assert set(written['state_dict']) == set(expected)
        for key, value in expected.items():
            assert torch.equal(written['state_dict'][key], value), (source, key)
        assert written['meta']['converted_from'] == str(path)


@pytest.mark.parametrize('written_by, given, says', [
    ('fast-pose-mobile', 'pytorch-pose', 'its bottleneck 3x3 convolutions are depthwise (mobile) and it is a training '
                                         'checkpoint with "arch" and "best_acc", which bearpaw/pytorch-pose does not '
                                         'write; use --source fast-pose-mobile'),
    ('fpd-official', 'pytorch-pose', 'it is a training checkpoint with "perf", "model" and "best_state_dict", which '
                                     'bearpaw/pytorch-pose does not write; use --source fpd-official'),
    ('fast-pose-mobile', 'fpd-official', 'use --source fast-pose-mobile'),
])
def test_source_is_checked_against_the_file(tmp_path: Path, written_by: str, given: str, says: str):
    path, config, _ = _write_formats(tmp_path)[written_by]
    with pytest.raises(SystemExit) as err:
        main([str(path), str(tmp_path / 'out.pth'), '--config', config, '--source', given])
    message = str(err.value)
    assert message.startswith(f'error: --source {given} does not fit {path}: ') and says in message
    assert '\n' not in message and not (tmp_path / 'out.pth').exists()


def test_flip_scores_are_half_the_reference_sum():
    """What the printed overrides give with flip test, from mmpose's own head: the reference adds the heatmaps of
    the image and of its mirror (flipped back, no shift); mmpose averages them. Positions agree, scores are half."""
    cfg = Config.fromfile(str(CONFIGS / 'td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py'))
    head = MODELS.build(cfg.model.head)
    flip_indices = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    sample = PoseDataSample(metainfo=dict(flip_indices=flip_indices))
    torch.manual_seed(0)
    views = [[torch.rand(1, 17, 32, 32) for _ in range(2)] for _ in range(2)]  # [original, mirrored] x stacks
    test_cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False, output_heatmaps=True)
    pred, fields = head.predict(views, [sample], test_cfg=test_cfg)
    reference_sum = views[0][-1] + views[1][-1].flip(-1)[:, flip_indices]  # last stack, as the reference
    assert torch.equal(fields[0].heatmaps * 2, reference_sum[0])
    peaks = reference_sum[0].flatten(1).max(dim=1).values.numpy()
    np.testing.assert_array_equal(pred[0].keypoint_scores[0] * 2, peaks)
    ours, = head.decoder.decode(reference_sum[0].numpy())[0]
    np.testing.assert_array_equal(pred[0].keypoints[0], ours)  # same positions as decoding the reference's sum


def test_refuses_other_architectures_unknown_keys_and_unsafe_files(tmp_path: Path):
    reference = random_reference(reference_shapes(2, 64, 17, mobile=True))
    torch.save(reference, tmp_path / 'mobile.pth')
    # mobile weights against the full-conv 4-stack config: nothing is written
    with pytest.raises(SystemExit, match='does not fit .*td-hm_hourglass-s4-64'):
        main([str(tmp_path / 'mobile.pth'), str(tmp_path / 'out.pth'), '--config',
              str(CONFIGS / 'td-hm_hourglass-s4-64_synthcrowd-128x128.py'), '--source', 'fast-pose-mobile'])
    assert not (tmp_path / 'out.pth').exists()
    with pytest.raises(ConversionError, match=r'does not fit .*mobile_synthcrowd-128x128.py \(1 problem\):\n  missing'):
        one_missing = convert_state_dict(reference)
        del one_missing['backbone.scores.0.weight']
        refuse_mismatch(one_missing, str(CONFIGS / 'td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py'), 'm.pth')
    with pytest.raises(ConversionError, match='extra.weight: not a key'):
        convert_state_dict({**reference, 'extra.weight': torch.zeros(1)})
    with pytest.raises(ConversionError, match='not a stacked-hourglass checkpoint'):
        convert_state_dict({'backbone.conv1.weight': torch.zeros(1)})
    # a pickled callable or a numpy array (only numpy scalars are allowed) is refused, never run: one line through
    # the plugin's safe loader naming the refused type, for zip and legacy (.tar era) files alike
    # (pickle protocol 2 names subprocess.Popen commands.Popen)
    for name, extra, refused, zipped in (('evil', subprocess.Popen, '.Popen', True),
                                         ('evil_legacy', subprocess.Popen, '.Popen', False),
                                         ('array', np.zeros(3), 'multiarray._reconstruct', True)):
        torch.save(dict(state_dict=reference, extra=extra), tmp_path / f'{name}.pth',
                   _use_new_zipfile_serialization=zipped)
        with pytest.raises(SystemExit) as err:
            main([str(tmp_path / f'{name}.pth'), str(tmp_path / 'out.pth'), '--config',
                  str(CONFIGS / 'td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py'), '--source', 'fpd-official'])
        message = str(err.value)
        assert message.startswith(f"error: Refusing to load checkpoint '{tmp_path / name}.pth'"), message
        assert refused in message and 'numpy scalars' in message
        assert '\n' not in message and '\x1b' not in message and 'weights_only=False' not in message
    assert not (tmp_path / 'out.pth').exists()
    with pytest.raises(SystemExit, match='does not exist'):
        main([str(tmp_path / 'missing.pth'), str(tmp_path / 'out.pth'), '--config', os.devnull, '--source',
              'pytorch-pose'])
