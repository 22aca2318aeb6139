"""Convert a checkpoint of the MIPNet reference implementation (rawalkhirodkar/MIPNet) to this plugin's layout.

Reference layout (``pose_hrnet_se_lambda``): HRNet keys at the top level (``conv1``, ``layer1``, ``stage4``...),
the heatmap conv as ``final_layer``, and the lambda blocks as ``stage{1,2,3,4}_se.se_layers.<branch>.{fc,
fc_lambda}``. Their flags are off by one: ``stage3_se`` modulates the inputs of stage 4 and ``stage4_se`` the final
feature. The reference feeds lambda as ``[lambda_a, lambda_b]`` with ``[1, 0]`` selecting the box's own person
(its code's "lambda = 1"); here instance 0 is the box's own person, fed as one-hot ``e_0``.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Dict, Optional, Sequence

import torch

from mmpose_ext.utils.checkpoint_conversion import ConversionError, load_reference_state, refuse_mismatch

HOOK_NAMES = {'stage1_se': 'stage2', 'stage2_se': 'stage3', 'stage3_se': 'stage4', 'stage4_se': 'final'}
SUBMODULES = {'fc': 'excite', 'fc_lambda': 'embed'}
# reference lambda vector of each instance of this implementation: instance k -> one-hot column in the reference
REFERENCE_COLUMN_OF_INSTANCE = (0, 1)
_BLOCK_KEY = re.compile(r'^(stage[1-4]_se)\.se_layers\.(\d+)\.(fc|fc_lambda)\.(.+)$')


def _reorder_lambda_columns(weight: torch.Tensor, source: str) -> torch.Tensor:
    if weight.dim() != 2 or weight.shape[1] != len(REFERENCE_COLUMN_OF_INSTANCE):
        raise ConversionError(f'{source}: expected a (C/4, {len(REFERENCE_COLUMN_OF_INSTANCE)}) lambda input '
                              f'weight, got {tuple(weight.shape)}')
    return weight[:, list(REFERENCE_COLUMN_OF_INSTANCE)].clone()


def convert_state_dict(reference: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Map every reference key to this plugin's ``MIPNetEstimator`` keys (``backbone.*``, ``head.*``)."""
    converted: Dict[str, torch.Tensor] = {}
    for key, value in reference.items():
        name = key[len('module.'):] if key.startswith('module.') else key
        match = _BLOCK_KEY.match(name)
        if match:
            hook, branch, part, rest = match.groups()
            if part == 'fc_lambda' and rest == '0.weight':
                value = _reorder_lambda_columns(value, key)
            new = f'backbone.mimb.{HOOK_NAMES[hook]}.{branch}.{SUBMODULES[part]}.{rest}'
        elif name.startswith('final_layer.'):
            new = 'head.' + name
        elif re.match(r'^stage\d_se\.', name):
            raise ConversionError(f'{key}: unknown lambda-block parameter')
        else:
            new = 'backbone.' + name
        converted[new] = value
    if not any(k.startswith('backbone.mimb.') for k in converted):
        raise ConversionError('no stage*_se lambda blocks found: this is not a MIPNet (pose_hrnet_se_lambda) '
                              'checkpoint')
    return converted


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Convert a MIPNet reference checkpoint (rawalkhirodkar/MIPNet) '
                                     'to an mmpose_ext checkpoint that tools/test.py loads.')
    parser.add_argument('src', help='reference checkpoint (.pth), e.g. checkpoint_103.pth or model_best.pth')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument('--config', help='check the result against the model of this config '
                        '(e.g. configs/mipnet_w48.py) and refuse to write on any mismatch')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    src = Path(args.src)
    try:
        # weights only: a reference checkpoint holds tensors and plain values; anything else is refused
        state = convert_state_dict(load_reference_state(str(src)))
        if args.config:
            refuse_mismatch(state, args.config, str(src))
    except ConversionError as err:
        raise SystemExit(f'error: {err}')
    Path(args.dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(state_dict=state, meta=dict(converted_from=str(src), source='rawalkhirodkar/MIPNet')), args.dst)
    blocks = sum(k.startswith('backbone.mimb.') for k in state)
    print(f'wrote {args.dst}: {len(state)} tensors ({blocks} in lambda blocks)'
          + (f', matches {args.config}' if args.config else ''))
