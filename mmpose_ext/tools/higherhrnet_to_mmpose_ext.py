"""Convert a HigherHRNet checkpoint (official release or mmpose 0.x) to this plugin's ``HigherHRNetEstimator``.

Layouts read (docs/higherhrnet.md, facts from shared research):

* official (HRNet/HigherHRNet-Human-Pose-Estimation): a plain state dict (``pose_higher_hrnet_*.pth``,
  ``model_best.pth.tar``), or ``{'state_dict' ('module.' prefix), 'best_state_dict', ...}`` (``checkpoint.pth.tar``).
  An FP16 training's ``checkpoint.pth.tar`` also pickles the optimizer's loss scaler (``fp16_utils.loss_scaler.
  DynamicLossScaler``, or ``LossScaler`` for a static scale): those two names are read as an inert stand-in
  (skipped, never imported or run; see :class:`~mmpose_ext.utils.checkpoint_conversion.SkippedLossScaler`); any
  other pickled type is refused.
  Backbone keys at the top level (``conv1``, ``layer1``, ``stage4``...), head keys ``final_layers.*`` and
  ``deconv_layers.*``. The ``*_640`` models were trained in FP16 behind a ``Sequential(tofp16, net, tofp32)``:
  their keys carry a ``1.`` prefix and conv weights / final biases are float16.
* mmpose 0.x: ``{'meta', 'state_dict'}`` with ``backbone.*`` and ``keypoint_head.{final_layers,deconv_layers}.*``.

Output: ``backbone.*`` / ``head.*`` in float32, checked against ``--config``'s model (missing or unexpected keys and
shapes are refused; nothing is written then).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import torch

from mmpose_ext.utils import safe_checkpoint_globals
from mmpose_ext.utils.checkpoint_conversion import (LOSS_SCALER_STUBS, ConversionError, SkippedLossScaler,
                                                    extract_state_dict, load_reference_checkpoint, refuse_mismatch)

HEAD_PREFIXES = ('final_layers.', 'deconv_layers.')


def _strip(state: Dict[str, torch.Tensor], prefix: str) -> Dict[str, torch.Tensor]:
    if state and all(k.startswith(prefix) for k in state):
        return {k[len(prefix):]: v for k, v in state.items()}
    return state


def convert_state_dict(source: Dict[str, torch.Tensor]) -> Tuple[Dict[str, torch.Tensor], str, int]:
    """Maps an official or mmpose 0.x HigherHRNet state dict to ``backbone.*`` / ``head.*`` in float32.

    Returns:
        ``(state, layout, num_half)``: the converted dict, ``'official'``, ``'official-fp16'`` or ``'mmpose0x'``,
        and how many floating tensors were stored in float16 / bfloat16.
    """
    state = _strip(source, 'module.')
    wrapped = bool(state) and all(k.startswith('1.') for k in state)
    state = _strip(state, '1.')
    converted: Dict[str, torch.Tensor] = {}
    if any(k.startswith(('keypoint_head.', 'backbone.')) for k in state):
        layout = 'mmpose0x'
        for key, value in state.items():
            if key.startswith('keypoint_head.'):
                converted['head.' + key[len('keypoint_head.'):]] = value
            elif key.startswith('backbone.'):
                converted[key] = value
            else:
                raise ConversionError(f'{key}: neither backbone.* nor keypoint_head.* in an mmpose 0.x checkpoint')
    else:
        layout = 'official-fp16' if wrapped else 'official'
        for key, value in state.items():
            converted[('head.' if key.startswith(HEAD_PREFIXES) else 'backbone.') + key] = value
    if not any(k.startswith('head.final_layers.') for k in converted):
        raise ConversionError('no final_layers.* found: this is not a HigherHRNet checkpoint')
    half = [k for k, v in converted.items() if v.dtype in (torch.float16, torch.bfloat16)]
    for key in half:
        converted[key] = converted[key].float()
    return converted, layout, len(half)


ALLOWED_TEXT = 'tensors, containers, numpy arrays/scalars, mmengine HistoryBuffer and an FP16 loss scaler (skipped)'


def load_reference(path: str) -> Dict[str, torch.Tensor]:
    """Reads a checkpoint weights-only (tensors and plain values, mmengine's metadata types, an FP16 training's
    loss scaler as an inert stand-in; anything else is refused)."""
    return extract_state_dict(load_reference_checkpoint(path, _allowed(), ALLOWED_TEXT), path)


def _allowed() -> list:
    return safe_checkpoint_globals() + LOSS_SCALER_STUBS


def skipped_loss_scalers(checkpoint: object) -> int:
    """How many loss scalers of an FP16 training were read as :class:`SkippedLossScaler` (searched in dicts and
    lists, e.g. ``checkpoint['optimizer']['loss_scaler']``)."""
    if isinstance(checkpoint, SkippedLossScaler):
        return 1
    if isinstance(checkpoint, dict):
        return sum(skipped_loss_scalers(v) for k, v in checkpoint.items() if k != 'state_dict')
    if isinstance(checkpoint, (list, tuple)):
        return sum(skipped_loss_scalers(v) for v in checkpoint if not isinstance(v, torch.Tensor))
    return 0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Convert an official or mmpose 0.x HigherHRNet checkpoint to an '
                                     'mmpose_ext checkpoint that tools/test.py loads.')
    parser.add_argument('src', help='e.g. pose_higher_hrnet_w32_512.pth, or an mmpose 0.x higher_hrnet*.pth')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument('--config', required=True,
                        help='the matching config (e.g. configs/higherhrnet/ae_higherhrnet-w32_coco-512x512.py); '
                        'nothing is written when the weights do not fit its model exactly')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    src = Path(args.src)
    try:
        checkpoint = load_reference_checkpoint(str(src), _allowed(), ALLOWED_TEXT)
        state, layout, num_half = convert_state_dict(extract_state_dict(checkpoint, str(src)))
        refuse_mismatch(state, args.config, str(src))
    except ConversionError as err:
        raise SystemExit(f'error: {err}')
    Path(args.dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(state_dict=state, meta=dict(converted_from=str(src), layout=layout, config=args.config)),
               args.dst)
    print(f'wrote {args.dst}: {len(state)} tensors from the {layout} layout'
          + (f' ({num_half} half-precision tensors cast to float32)' if num_half else '')
          + f', matches {args.config}')
    scalers = skipped_loss_scalers(checkpoint)
    if scalers:
        print(f'skipped the FP16 training\'s loss scaler ({scalers} pickled fp16_utils.loss_scaler object, read as '
              f'an inert stand-in, nothing of it run): the optimizer state is not converted')
