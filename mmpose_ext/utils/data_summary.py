"""What data a run will use, on its first screen: the datasets are built before the Runner, checked and described.

``tools/train.py``, ``tools/test.py`` and ``tools/posefix_refine.py`` call :func:`build_datasets` before they
create mmengine's Runner (whose config dump fills several screens), print :func:`describe_datasets`, and hand the
built datasets to the Runner with :func:`reuse_datasets`, so nothing is loaded twice. A missing annotation file,
bad JSON or a missing image therefore stops the run before the config dump, with one message.

Images are checked up front for every dataset: the plugin's datasets check their own at build time (those with a
``check_files`` attribute); for the others (mmpose's ``CocoDataset`` in the COCO configs) the listed images are
checked here with the same :func:`~mmpose_ext.datasets.common.check_image_files`.
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import pickle
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config

#: dataloaders built for each kind of run
TRAIN_SPLITS = ('train', 'val')
TEST_SPLITS = ('test', )


def _leaves(dataset: Any, wrappers: Tuple[str, ...] = ()) -> Iterator[Tuple[Any, Tuple[str, ...]]]:
    """The datasets that read files, with the names of the wrappers around them (Concat, MultiInstance, ...)."""
    inner = getattr(dataset, 'datasets', None)
    if isinstance(inner, (list, tuple)):
        for part in inner:
            yield from _leaves(part, wrappers + (type(dataset).__name__, ))
        return
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and not isinstance(inner, (str, dict)):
        yield from _leaves(inner, wrappers + (type(dataset).__name__, ))
        return
    yield dataset, wrappers


def _raw_infos(dataset: Any) -> Iterator[dict]:
    """Every sample's info without the per-sample deep copy of ``get_data_info`` (fast on COCO train)."""
    if getattr(dataset, 'serialize_data', False) and getattr(dataset, 'data_bytes', None) is not None:
        address = dataset.data_address
        for i in range(len(address)):
            start = 0 if i == 0 else int(address[i - 1])
            yield pickle.loads(memoryview(dataset.data_bytes[start:int(address[i])]))
    elif isinstance(getattr(dataset, 'data_list', None), list) and dataset.data_list:
        yield from dataset.data_list
    else:
        for i in range(len(dataset)):
            yield dataset.get_data_info(i)


def _count(dataset: Any) -> Tuple[int, int, List[str]]:
    """``(images, persons, image paths)``; persons are samples in top-down mode, instances in bottom-up."""
    images: Dict[Any, str] = {}
    persons = 0
    bottomup = getattr(dataset, 'data_mode', 'topdown') == 'bottomup'
    for info in _raw_infos(dataset):
        images.setdefault(info.get('img_id', info.get('img_path')), info.get('img_path', ''))
        if bottomup:
            kpts = info.get('keypoints')
            persons += len(kpts) if kpts is not None else 0
        else:
            persons += 1
    return len(images), persons, sorted(set(images.values()))


def _boxes(dataset: Any) -> str:
    if getattr(dataset, 'data_mode', 'topdown') == 'bottomup':
        return 'none (bottom-up)'
    for attr, what in (('bbox_file', 'detection file'), ('results_file', 'poses of the results file'),
                       ('estimated_results_file', 'ground truth; input poses from')):
        value = getattr(dataset, attr, None)
        if value:
            return f'{what} {value}'
    if not getattr(dataset, 'ann_file', None):
        return 'whole image (unlabeled)'
    return 'ground truth'


_STANDARD_LOOPS = ('EpochBasedTrainLoop', 'IterBasedTrainLoop', 'ValLoop', 'TestLoop')


def _custom_loop(cfg: Config, split: str) -> Optional[str]:
    """The name of a non-standard loop for the split (it builds its own data, e.g. the PoseFix cascade)."""
    loop = cfg.get(f'{split}_cfg', None) or {}
    loop_type = loop.get('type', None) if isinstance(loop, dict) else None
    name = loop_type if isinstance(loop_type, str) or loop_type is None else getattr(loop_type, '__name__', '')
    return name if name and name.split('.')[-1] not in _STANDARD_LOOPS else None


def check_dataset_paths(dataset_cfg: Any, key: str) -> None:
    """Raises ``FileNotFoundError`` naming the config key for a missing annotation file, detection file or image
    folder of any dataset inside ``dataset_cfg`` (wrappers included), before anything is built."""
    if isinstance(dataset_cfg, (list, tuple)):
        for i, item in enumerate(dataset_cfg):
            check_dataset_paths(item, f'{key}.{i}')
        return
    if not isinstance(dataset_cfg, dict):
        return
    for name in ('dataset', 'datasets'):
        if name in dataset_cfg:
            check_dataset_paths(dataset_cfg[name], f'{key}.{name}')
    root = dataset_cfg.get('data_root', None) or ''
    checks = [('ann_file', True, osp.isfile), ('bbox_file', False, osp.isfile)]
    prefix = dataset_cfg.get('data_prefix', None)
    if isinstance(prefix, dict) and isinstance(prefix.get('img', None), str) and prefix.get('img'):
        checks.append(('data_prefix.img', True, osp.isdir))
    for name, joined, exists in checks:
        value = prefix.get('img') if name == 'data_prefix.img' else dataset_cfg.get(name, None)
        if not isinstance(value, str) or not value or '://' in value or '://' in root:
            continue
        path = osp.join(root, value) if joined else value
        if not exists(path):
            what = 'folder' if name == 'data_prefix.img' else 'file'
            relative = '' if osp.isabs(path) else (
                f'; relative paths start from the current directory {os.getcwd()}: run from the folder that holds '
                'data/ (the checkout) or pass --data-root DIR')
            raise FileNotFoundError(f'{key}.{name}: {what} not found: {path}' +
                                    (f' (data_root {root} + {value})' if joined and root else '') + relative)


def build_datasets(cfg: Config, splits: Sequence[str]) -> Dict[str, Any]:
    """Builds (and fully loads) the datasets of ``{split}_dataloader`` for each split the config has.

    A split whose dataset config equals an earlier one's (``test_dataloader = val_dataloader``) shares it. A
    split run by a custom loop (``test_cfg.type``, e.g. ``PoseFixCascadeTestLoop``, whose dataset needs the
    first stage's results) is left to that loop.
    """
    from mmengine.registry import DATASETS, init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmpose') or 'mmpose')
    built: Dict[str, Any] = {}
    for split in splits:
        loader = cfg.get(f'{split}_dataloader', None)
        if not loader or not isinstance(loader.get('dataset', None), dict) or _custom_loop(cfg, split):
            continue
        same = [s for s in built if cfg[f'{s}_dataloader']['dataset'] == loader['dataset']]
        if same:
            built[split] = built[same[0]]
            continue
        check_dataset_paths(loader['dataset'], f'{split}_dataloader.dataset')
        dataset = DATASETS.build(copy.deepcopy(loader['dataset']))
        if hasattr(dataset, 'full_init'):
            dataset.full_init()
        built[split] = dataset
    return built


def describe_datasets(cfg: Config, datasets: Dict[str, Any], check_images: bool = True) -> List[str]:
    """Lines naming, per split, the annotation file, image folder, images, persons and box source.

    Also checks the images of datasets that do not check their own (raises ``FileNotFoundError`` listing the
    missing ones), and warns when an evaluator scores against another file than its dataset reads.
    """
    from mmpose_ext.datasets.common import check_image_files
    lines = ['data:']
    for split in ('train', 'val', 'test'):
        if split not in datasets and cfg.get(f'{split}_dataloader', None) and _custom_loop(cfg, split):
            lines.append(f'  {split}: built by {_custom_loop(cfg, split)} when it runs')
    seen: Dict[int, str] = {}
    for split, dataset in datasets.items():
        if id(dataset) in seen:
            lines.append(f'  {split}: the {seen[id(dataset)]} data')
            continue
        seen[id(dataset)] = split
        for leaf, wrappers in _leaves(dataset):
            num_images, num_persons, paths = _count(leaf)
            ann_file = getattr(leaf, 'ann_file', '') or ''
            if check_images and not hasattr(leaf, 'check_files'):
                check_image_files(paths, ann_file or type(leaf).__name__)
            name = type(leaf).__name__ + ''.join(f' in {w}' for w in reversed(wrappers))
            folder = (getattr(leaf, 'data_prefix', None) or {}).get('img', '')
            unit = ('detector boxes' if getattr(leaf, 'bbox_file', None) else
                    'input poses' if getattr(leaf, 'results_file', None) else 'persons' if ann_file else 'samples')
            lines += [f'  {split}: {name}',
                      f'    annotations  {ann_file or "-"}',
                      f'    images       {folder or "-"}  ({num_images} images, {num_persons} {unit})',
                      f'    boxes        {_boxes(leaf)}']
        evaluator = cfg.get(f'{split}_evaluator', None)
        for metric in (evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]):
            if not isinstance(metric, dict) or not metric.get('ann_file'):
                continue
            metric_type = metric.get('type')
            metric_name = metric_type if isinstance(metric_type, str) else getattr(metric_type, '__name__', '?')
            line = f'    scored by    {metric_name} against {metric["ann_file"]}'
            if line in lines:
                continue
            lines.append(line)
            read = [getattr(leaf, 'ann_file', None) for leaf, _ in _leaves(dataset)]
            if all(r and osp.abspath(r) != osp.abspath(metric['ann_file']) for r in read):
                lines.append(f'    WARNING: {split}_evaluator.ann_file is not the file the {split} dataset reads '
                             f'({read[0]}): the scores would compare against other data')
    return lines


class _Shared:
    """Stands for a built dataset in a dataloader config: ``build_dataloader`` deep-copies its argument, and a
    copy of a large dataset would double its memory; this yields the dataset itself instead."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __deepcopy__(self, memo: dict) -> Any:
        return self.dataset


def reuse_datasets(runner: Any, datasets: Dict[str, Any], cfg: Config) -> None:
    """Makes ``runner`` use the datasets built by :func:`build_datasets` instead of building them again.

    mmengine's ``Runner.build_dataloader`` accepts a built dataset in place of its config; the loops call it
    through the runner, so an instance attribute wrapping it is enough.
    """
    by_cfg: List[Tuple[dict, Any]] = [(cfg[f'{split}_dataloader']['dataset'], ds) for split, ds in datasets.items()]
    original = runner.build_dataloader

    def build_dataloader(dataloader: Any, seed: Optional[int] = None, diff_rank_seed: bool = False) -> Any:
        if isinstance(dataloader, dict) and isinstance(dataloader.get('dataset', None), dict):
            for dataset_cfg, dataset in by_cfg:
                if dataloader['dataset'] == dataset_cfg:
                    dataloader = dict(dataloader, dataset=_Shared(dataset))
                    break
        return original(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    runner.build_dataloader = build_dataloader
