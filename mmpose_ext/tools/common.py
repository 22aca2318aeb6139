"""Pieces shared by the train and test entry points."""
from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Flags that ``tools/train.py`` and ``tools/test.py`` share, spelled as in MMPose."""
    parser.add_argument('--work-dir', help='the directory to save logs, checkpoints and results')
    parser.add_argument('--show-dir', help='directory (under the work dir) where painted images are saved')
    parser.add_argument('--show', action='store_true', help='display painted images in a window')
    parser.add_argument('--interval', type=int, default=1, help='visualise every N-th sample')
    parser.add_argument('--wait-time', type=float, default=1, help='seconds each shown image stays up')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_dataloader.batch_size=8 "model.test_cfg.flip_test=False"')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher; use "pytorch" with torchrun (GPU, NPU or CPU/gloo)')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Reads the config, applies ``--cfg-options``, ``--launcher`` and the work directory rule of MMPose
    (command line > config > ``./work_dirs/<config name>``)."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
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
