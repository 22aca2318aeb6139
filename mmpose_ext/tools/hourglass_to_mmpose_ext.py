"""Convert published stacked-hourglass checkpoints to this plugin's ``StackedHourglass`` + ``MultiStackHeatmapHead``.

Three references share one key layout (read from their model code; see docs/hourglass_fpd.md, "Published
weights"): bearpaw/pytorch-pose (``hg_s8_b1``, ``hg_s2_b1``), its fork yuanyuanli85/Fast_Human_Pose_Estimation_Pytorch
(``hg_s2_b1_mobile``, ``_fpd``, ``_fpd_unlabeled``: the same keys, depthwise 3x3 convs) and the official Fast Pose
Distillation code ilovepose/fast-human-pose-estimation.pytorch (teacher HG8-256, student HG4-128, widths from
``NUM_FEATURES``):

- stem: ``conv1``, ``bn1``, ``layer1.0`` / ``layer2.0`` / ``layer3.0`` (pre-activation bottlenecks ``bn1 conv1 bn2
  conv2 bn3 conv3`` and a ``downsample.0`` 1x1 conv when the width changes);
- per stack ``s``: ``hg.s.hg.<i>.<j>.<b>`` (level ``i``, ``depth - 1`` = outermost; branch ``j``: 0 skip,
  1 after pooling, 2 before upsampling, 3 innermost, only at ``i = 0``; block ``b``), ``res.s.<b>``, ``fc.s.0``
  (conv) and ``fc.s.1`` (BN), ``score.s``, and between stacks ``fc_.s``, ``score_.s``.

Files: a bare state dict (``final_state.pth``, ``model_best.pth``, pytorch-pose's converted files), pytorch-pose's
``{'epoch', 'arch', 'state_dict', 'best_acc', 'optimizer'}`` and the official ``checkpoint.pth`` ``{'epoch', 'model',
'state_dict', 'best_state_dict', 'perf', 'optimizer'}``, whose ``perf`` is a ``numpy.float64``. Every file is read
with ``torch.load(weights_only=True)``, allowing numpy scalars and nothing else. A ``module.`` prefix
(DataParallel) is removed; BatchNorm ``num_batches_tracked`` missing from files of PyTorch < 0.4.1 is filled
with 0 so that strict loading (e.g. as an FPD teacher) works.
"""
from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import Dict, Optional, Sequence

import torch

from mmpose_ext.utils.checkpoint_conversion import (ConversionError, extract_state_dict, load_reference_checkpoint,
                                                    load_reference_state, refuse_mismatch)
from mmpose_ext.utils.safe_checkpoint import numpy_scalar_globals

SOURCES = {
    'pytorch-pose': 'bearpaw/pytorch-pose',
    'fast-pose-mobile': 'yuanyuanli85/Fast_Human_Pose_Estimation_Pytorch',
    'fpd-official': 'ilovepose/fast-human-pose-estimation.pytorch',
}
# How each reference feeds and flips its network, as config overrides for tools/test.py (research notes): pytorch-pose
# and its fork take RGB / 255 minus the MPII mean of their data/mpii/mean.pth.tar, no std, and add the flipped
# heatmaps without a shift; the official code takes BGR with the ImageNet mean/std and averages with the 1-pixel
# shift (the configs' default). The mean is that file's float32 values times 255, written in full: mmpose's
# preprocessor computes (x - mean) / std where the reference computes x / 255 - mean.
PYTORCH_POSE_MEAN = (0.440442830324173, 0.4440267086029053, 0.4326828420162201)  # float32 values of mean.pth.tar
PYTORCH_POSE_INPUT = ['model.data_preprocessor.mean=[' + ','.join(repr(m * 255) for m in PYTORCH_POSE_MEAN) + ']',
                      'model.data_preprocessor.std=[255.0,255.0,255.0]', 'model.test_cfg.shift_heatmap=False']
EVALUATION = {
    'pytorch-pose': PYTORCH_POSE_INPUT,
    'fast-pose-mobile': PYTORCH_POSE_INPUT,
    'fpd-official': ['model.data_preprocessor.bgr_to_rgb=False'],
}
# pytorch-pose and its fork add the heatmaps of the image and of its mirror (example/main.py, example/mpii.py:
# score_map += flip_back(...)); mmpose's CPMHead averages them. No test_cfg option of mmpose sums, so with
# flip_test the joint positions are the reference's and the joint scores exactly half its heatmap peaks.
FLIP_SCORE_NOTE = {
    'pytorch-pose': 'flip test: joint positions as pytorch-pose\'s; joint scores are half its heatmap peaks (it '
                    'adds the two flipped heatmaps, mmpose averages them); PCKh is unaffected',
    'fast-pose-mobile': 'flip test: joint positions as the fork\'s; joint scores are half its heatmap peaks (it '
                        'adds the two flipped heatmaps, mmpose averages them); PCKh is unaffected',
    'fpd-official': 'flip test: as the official code (average with the 1-pixel shift), scores included',
}
# reference bottleneck parameter -> PreActBottleneck module (body = BN, ReLU, conv, BN, ReLU, conv, BN, ReLU, conv)
BOTTLENECK = {'bn1': 'body.0', 'conv1': 'body.2', 'bn2': 'body.3', 'conv2': 'body.5', 'bn3': 'body.6',
              'conv3': 'body.8', 'downsample.0': 'skip'}
STEM = {'layer1': 'stem.3', 'layer2': 'stem.5', 'layer3': 'stem.6'}
BRANCHES = {0: 'skip', 1: 'pre', 2: 'post', 3: 'inner'}
BN_BUFFER = ('running_mean', 'running_var')

_BLOCK = r'(?P<param>(?:bn[123]|conv[123]|downsample\.0)\.(?:weight|bias|running_mean|running_var|num_batches_tracked))'
_PATTERNS = [
    ('stem_conv', re.compile(r'^conv1\.(?P<p>weight|bias)$')),
    ('stem_bn', re.compile(r'^bn1\.(?P<p>weight|bias|running_mean|running_var|num_batches_tracked)$')),
    ('stem_layer', re.compile(r'^(?P<layer>layer[123])\.(?P<b>\d+)\.' + _BLOCK + '$')),
    ('hourglass', re.compile(r'^hg\.(?P<s>\d+)\.hg\.(?P<i>\d+)\.(?P<j>\d+)\.(?P<b>\d+)\.' + _BLOCK + '$')),
    ('res', re.compile(r'^res\.(?P<s>\d+)\.(?P<b>\d+)\.' + _BLOCK + '$')),
    ('fc', re.compile(r'^fc\.(?P<s>\d+)\.(?P<k>[01])\.(?P<p>\w+)$')),
    ('score', re.compile(r'^(?P<name>score|fc_|score_)\.(?P<s>\d+)\.(?P<p>weight|bias)$')),
]
_MERGES = {'score': 'scores', 'fc_': 'feature_merges', 'score_': 'score_merges'}


def load_reference(path: str) -> Dict[str, torch.Tensor]:
    """The tensor state dict of a reference file, unpickled weights-only (numpy scalars allowed)."""
    return load_reference_state(path, numpy_scalar_globals(), 'tensors, containers and numpy scalars')


def _levels(reference: Dict[str, torch.Tensor]) -> int:
    levels = {int(m.group('i')) for k in reference for m in [_PATTERNS[3][1].match(k)] if m}
    if not levels:
        raise ConversionError('no hg.<stack>.hg.<level> keys: this is not a stacked-hourglass checkpoint of '
                              'pytorch-pose / Fast Pose Distillation')
    return max(levels) + 1


def _target_key(kind: str, m: re.Match, depth: int, key: str) -> str:
    if kind == 'stem_conv':
        return f'backbone.stem.0.{m.group("p")}'
    if kind == 'stem_bn':
        return f'backbone.stem.1.{m.group("p")}'
    if kind in ('stem_layer', 'hourglass', 'res'):
        param = m.group('param')
        module, _, leaf = param.rpartition('.')
        block = f'{BOTTLENECK[module]}.{leaf}'
        if kind == 'stem_layer':
            if m.group('b') != '0':
                raise ConversionError(f'{key}: the stem residuals have one block each')
            return f'backbone.{STEM[m.group("layer")]}.{block}'
        if kind == 'res':
            return f'backbone.features.{m.group("s")}.0.{m.group("b")}.{block}'
        level, branch = int(m.group('i')), int(m.group('j'))
        if branch not in BRANCHES or (branch == 3 and level != 0):
            raise ConversionError(f'{key}: hourglass branch {branch} does not exist at level {level}')
        nested = 'inner.' * (depth - 1 - level)
        return f'backbone.hourglasses.{m.group("s")}.{nested}{BRANCHES[branch]}.{m.group("b")}.{block}'
    if kind == 'fc':
        return f'backbone.features.{m.group("s")}.1.{m.group("k")}.{m.group("p")}'
    return f'backbone.{_MERGES[m.group("name")]}.{m.group("s")}.{m.group("p")}'


def convert_state_dict(reference: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Map every reference key to ``TopdownPoseEstimator(StackedHourglass, MultiStackHeatmapHead)`` keys."""
    reference = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in reference.items()}
    depth = _levels(reference)
    converted: Dict[str, torch.Tensor] = {}
    for key, value in reference.items():
        for kind, pattern in _PATTERNS:
            match = pattern.match(key)
            if match:
                converted[_target_key(kind, match, depth, key)] = value
                break
        else:
            raise ConversionError(f'{key}: not a key of the pytorch-pose / Fast Pose Distillation hourglass')
    # PyTorch < 0.4.1 wrote BatchNorm without num_batches_tracked; strict loading wants it
    for key in list(converted):
        if key.endswith('.running_mean'):
            tracked = key[:-len('running_mean')] + 'num_batches_tracked'
            converted.setdefault(tracked, torch.tensor(0, dtype=torch.long))
    return converted


def describe(state: Dict[str, torch.Tensor]) -> str:
    """Stacks, channels and joints of a converted state dict (for the summary line)."""
    stacks = len({k.split('.')[2] for k in state if k.startswith('backbone.scores.')})
    joints, channels = state['backbone.scores.0.weight'].shape[:2]
    mobile = state['backbone.stem.3.body.5.weight'].shape[1] == 1
    return f'{stacks} stacks, {channels} channels, {joints} joints{", depthwise (mobile)" if mobile else ""}'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert a stacked-hourglass checkpoint of bearpaw/pytorch-pose, yuanyuanli85/'
        'Fast_Human_Pose_Estimation_Pytorch or the official Fast Pose Distillation code to an mmpose_ext '
        'checkpoint (StackedHourglass + MultiStackHeatmapHead) that tools/test.py loads.')
    parser.add_argument('src', help='reference checkpoint, e.g. hg_s8_b1/model_best.pth.tar, hg_s2_b1_mobile_fpd/'
                        'model_best.pth.tar, final_state.pth or checkpoint.pth')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument('--config', required=True, help='the matching config (e.g. configs/hourglass_fpd/'
                        'td-hm_hourglass-s8-b1_mpii-256x256.py); the result must fit its model exactly or '
                        'nothing is written')
    parser.add_argument('--source', choices=sorted(SOURCES), required=True,
                        help='which reference wrote the file: the key layout is the same, the input '
                        'normalisation and flip test to evaluate it with are not (printed at the end)')
    return parser.parse_args(argv)


def check_source(source: str, checkpoint: object, state: Dict[str, torch.Tensor], path: str) -> None:
    """Refuses a ``--source`` that the file contradicts (one line saying why and which source fits).

    Evidence used: depthwise bottleneck convs are written only by yuanyuanli85's fork (``fast-pose-mobile``);
    a training dict with ``arch``/``best_acc`` is pytorch-pose's or the fork's, one with ``perf``/``model``/
    ``best_state_dict`` the official FPD code's. A bare state dict of full convolutions fits every source.

    Args:
        source: the ``--source`` given.
        checkpoint: the file as loaded.
        state: its converted state dict.
        path: the file, for the message.
    """
    fits, why = set(SOURCES), ''
    keys = set(checkpoint) if isinstance(checkpoint, dict) else set()
    if {'arch', 'best_acc'} <= keys:
        fits, why = {'pytorch-pose', 'fast-pose-mobile'}, 'it is a training checkpoint with "arch" and "best_acc"'
    elif {'perf', 'model', 'best_state_dict'} <= keys:
        fits, why = {'fpd-official'}, 'it is a training checkpoint with "perf", "model" and "best_state_dict"'
    if 'depthwise' in describe(state):
        fits &= {'fast-pose-mobile'}
        why = 'its bottleneck 3x3 convolutions are depthwise (mobile)' + (f' and {why}' if why else '')
    if source not in fits:
        hint = (f'use --source {" or --source ".join(sorted(fits))}' if fits
                else 'no reference writes this combination: is it a converted or edited file?')
        raise ConversionError(f'--source {source} does not fit {path}: {why}, which {SOURCES[source]} does not '
                              f'write; {hint}')


def evaluation_command(source: str, config: str, checkpoint: str) -> str:
    """The ``tools/test.py`` command that feeds the network as ``source`` did, quoted for any POSIX shell."""
    options = ' '.join(shlex.quote(o) for o in EVALUATION[source])
    return f'python tools/test.py {shlex.quote(config)} {shlex.quote(checkpoint)} --cfg-options {options}'


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    src = Path(args.src)
    try:
        checkpoint = load_reference_checkpoint(str(src), numpy_scalar_globals(), 'tensors, containers and numpy '
                                               'scalars')
        state = convert_state_dict(extract_state_dict(checkpoint, str(src)))
        check_source(args.source, checkpoint, state, str(src))
        refuse_mismatch(state, args.config, str(src))
    except ConversionError as err:
        raise SystemExit(f'error: {err}')
    Path(args.dst).parent.mkdir(parents=True, exist_ok=True)
    meta = dict(converted_from=str(src), source=SOURCES[args.source], config=args.config,
                test_cfg_options=list(EVALUATION[args.source]), flip_test=FLIP_SCORE_NOTE[args.source])
    torch.save(dict(state_dict=state, meta=meta), args.dst)
    print(f'wrote {args.dst}: {len(state)} tensors ({describe(state)}), matches {args.config}')
    print(f'evaluate as {SOURCES[args.source]} does: {evaluation_command(args.source, args.config, args.dst)}')
    print(FLIP_SCORE_NOTE[args.source])
