"""Pieces shared by the entry points: flags, config loading (``--data-root``, "did you mean"), the data summary,
the ``--amp`` check and one-line user errors."""
from __future__ import annotations

import argparse
import difflib
import glob
import json
import os
import os.path as osp
import re
import sys
from typing import Any, Dict, List, Optional, Sequence

from mmengine.config import Config, DictAction

from mmpose_ext.utils.config_check import ConfigKeyError, check_cfg_options
from mmpose_ext.utils.data_root import DataRootError, apply_data_root_args, refuse_top_level_root_options

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # the checkout (or the installed package)
AMP_ON_CPU = ('--amp needs an accelerator (CUDA, NPU, MLU or MUSA): mmengine\'s mixed precision does not run on '
              'the CPU. Drop --amp to run in float32 here.')


SHOW_DIR_TRAIN_HELP = ('turn on validation pictures (mmpose\'s PoseVisualizationHook); they are written to '
                       '<work dir>/<timestamp>/vis_data/vis_image, whatever folder is given')


def add_common_args(parser: argparse.ArgumentParser, show_dir_help: str = SHOW_DIR_TRAIN_HELP) -> None:
    """Flags that ``tools/train.py`` and ``tools/test.py`` share, spelled as in MMPose.

    Args:
        parser: the tool's parser.
        show_dir_help: what ``--show-dir`` does in this tool (the tools use the folder differently).
    """
    parser.add_argument('--work-dir', help='the directory to save logs, checkpoints and results')
    parser.add_argument('--show-dir', help=show_dir_help)
    parser.add_argument('--show', action='store_true', help='display painted images in a window')
    parser.add_argument('--interval', type=int, default=1, help='visualise every N-th sample')
    parser.add_argument('--wait-time', type=float, default=1, help='seconds each shown image stays up')
    add_data_root_arg(parser)
    parser.add_argument('--allow-partial-load', action='store_true',
                        help='accept a load_from/--resume/test checkpoint that fits the model only in part (by '
                             'default any missing, unexpected or wrongly shaped key is an error)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_dataloader.batch_size=8 "model.test_cfg.flip_test=False"')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher; use "pytorch" with torchrun (GPU, NPU or CPU/gloo)')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def add_data_root_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--data-root', action='append', metavar='[OLD=]DIR',
        help='use the data in DIR: rewrites every dataset\'s data_root (also inside ConcatDataset/'
             'MultiInstanceDataset), the evaluators\' ann_file and every other path under the config\'s data_root '
             '(bbox_file, PoseFix results files). OLD=DIR moves another root (e.g. an unlabeled-image folder); '
             'repeatable. (--cfg-options data_root=DIR changes nothing: the config resolved it when loaded.)')


def config_candidates(root: str = ROOT) -> List[str]:
    """Every config under ``configs/`` of the checkout and of the current directory (paths as typed)."""
    found = set()
    for base in {root, os.getcwd()}:
        for path in glob.glob(osp.join(base, 'configs', '**', '*.py'), recursive=True):
            if '_base_' not in path:
                found.add(osp.relpath(path) if base == os.getcwd() else path)
    return sorted(found)


def check_config_path(path: str) -> None:
    """Raises ``FileNotFoundError`` for a missing config, suggesting the closest existing ones."""
    if osp.isfile(path):
        return
    candidates = config_candidates()
    by_name = {osp.basename(c): c for c in candidates}
    close = difflib.get_close_matches(path, candidates, n=3, cutoff=0.6)
    close += [by_name[n] for n in difflib.get_close_matches(osp.basename(path), list(by_name), n=3, cutoff=0.6)
              if by_name[n] not in close]
    hint = f'; did you mean {" or ".join(close[:3])}?' if close else ' (the configs are under configs/<method>/)'
    raise FileNotFoundError(f'config file not found: {path}{hint}')


def check_amp_device(amp: bool, cpu_autocast: bool = False) -> None:
    """The one ``--amp`` message of every tool: mixed precision needs an accelerator.

    Args:
        amp: the tool's ``--amp`` flag.
        cpu_autocast: the tool runs CPU autocast itself (e.g. bfloat16 inference timing): nothing is refused.
    """
    if amp and not cpu_autocast:
        from mmengine.device import get_device
        if get_device() == 'cpu':
            raise SystemExit(AMP_ON_CPU)


def load_config(args: argparse.Namespace) -> Config:
    """Reads the config, applies ``--cfg-options``, ``--data-root``, ``--launcher`` and the work directory rule of
    MMPose (command line > config > ``./work_dirs/<config name>``)."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    check_config_path(args.config)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        refuse_top_level_root_options(cfg, args.cfg_options)
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    for line in apply_data_root_args(cfg, getattr(args, 'data_root', None)):
        _print_main(line)
    cfg.launcher = args.launcher
    check = cfg.setdefault('default_hooks', {}).setdefault('checkpoint_match', dict(type='CheckpointMatchHook'))
    if getattr(args, 'allow_partial_load', False):
        check['allow_partial'] = True
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Turns on mmpose's ``PoseVisualizationHook`` for ``--show`` / ``--show-dir``."""
    if not (args.show or args.show_dir):
        return
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise KeyError(f'{args.config}: --show/--show-dir need default_hooks.visualization '
                       '(a PoseVisualizationHook) in the config')
    vis = hooks['visualization']
    vis['enable'] = True
    vis['show'] = args.show
    vis['interval'] = args.interval
    vis['wait_time'] = args.wait_time
    if args.show_dir:
        vis['out_dir'] = args.show_dir


def prepare_cpu_distributed(cfg: Config) -> None:
    """Lets ``--launcher pytorch`` run on CPUs (gloo), which mmengine 0.10.7 does not handle by itself.

    mmengine's pytorch launcher pins a CUDA device and its DDP wrapper passes ``device_ids``; on a machine
    without an accelerator both fail. Here the process group is started with gloo before the Runner exists
    (the Runner then skips its own initialisation) and DDP gets ``device_ids=None`` as CPU modules need.
    Accelerator runs are left to mmengine untouched (it picks nccl or hccl).
    """
    from mmengine.device import get_device
    if cfg.launcher == 'none' or get_device() != 'cpu':
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg', None) or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def _print_main(*lines: str) -> None:
    """Prints on the main process only (every rank runs the tool under a launcher)."""
    if os.environ.get('RANK', '0') == '0':
        print('\n'.join(lines), flush=True)


def prepare_data(cfg: Config, splits: Sequence[str], work_dir: Optional[str] = None) -> Dict[str, Any]:
    """Builds the splits' datasets before the Runner, checks their files and prints what they hold.

    Returns the built datasets for :func:`mmpose_ext.utils.data_summary.reuse_datasets`. The summary is also
    written to ``<work_dir>/data_summary.txt``.
    """
    from mmpose_ext.utils.data_summary import build_datasets, describe_datasets
    datasets = build_datasets(cfg, splits)
    lines = describe_datasets(cfg, datasets)
    _print_main(*lines)
    if work_dir and os.environ.get('RANK', '0') == '0':
        os.makedirs(work_dir, exist_ok=True)
        with open(osp.join(work_dir, 'data_summary.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return datasets


def _remote_checkpoints(cfg: Optional[Config]) -> List[str]:
    """``key=url`` of every checkpoint the config would download (``init_cfg``, ``load_from``)."""
    found: List[str] = []

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f'{key}.{k}' if key else str(k))
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                walk(v, f'{key}.{i}')
        elif isinstance(node, str) and '://' in node and node.split('://')[0] in ('http', 'https'):
            found.append(f'{key}={node}')

    if cfg is not None:
        walk(cfg.get('model', {}), 'model')
        if isinstance(cfg.get('load_from', None), str):
            walk(cfg.load_from, 'load_from')
    return found


_context: Dict[str, Any] = {}


def user_error_message(error: BaseException) -> Optional[str]:
    """The one-line message for an error the user can fix (missing file, bad data, offline), else ``None``."""
    from urllib.error import URLError

    from mmpose_ext.datasets.common import AnnotationError
    from mmpose_ext.utils.checkpoint_match import CheckpointMismatchError
    from mmpose_ext.utils.safe_checkpoint import UntrustedCheckpointError
    if isinstance(error, URLError) or (isinstance(error, OSError) and 'urlopen' in str(error)):
        urls = _remote_checkpoints(_context.get('cfg'))
        where = ('; the config downloads ' + ', '.join(urls)) if urls else ''
        return (f'cannot download pretrained weights ({getattr(error, "reason", error)}){where}. Offline, '
                'download the file elsewhere and pass it with --cfg-options KEY=/path/to/file.pth (the key above), '
                'or copy it to ~/.cache/torch/hub/checkpoints/, or train from scratch with '
                '--cfg-options model.backbone.init_cfg=None')
    if isinstance(error, (FileNotFoundError, NotADirectoryError, IsADirectoryError, AnnotationError, DataRootError,
                          json.JSONDecodeError, CheckpointMismatchError, UntrustedCheckpointError, ConfigKeyError)):
        return str(error).strip('\'"')
    if isinstance(error, TypeError) and re.search(r'unexpected keyword argument|required positional argument',
                                                  str(error)):
        return (f'{str(error).splitlines()[0]} (a --cfg-options key or a config entry that this class does not '
                'take; check its spelling)')
    return None


def install_user_error_hook(cfg: Optional[Config] = None) -> None:
    """From here on, an uncaught user error ends the program with ``error: <message>`` instead of a traceback
    (``MMPOSE_EXT_TRACEBACK=1`` keeps the traceback). In-process callers still get the exception itself."""
    if cfg is not None:
        _context['cfg'] = cfg
    if getattr(sys.excepthook, '_mmpose_ext', False):
        return
    default = sys.excepthook

    def hook(exc_type, error, tb):
        message = None if os.environ.get('MMPOSE_EXT_TRACEBACK') else user_error_message(error)
        if message is None:
            default(exc_type, error, tb)
        else:
            print(f'error: {message}', file=sys.stderr, flush=True)

    hook._mmpose_ext = True
    sys.excepthook = hook
