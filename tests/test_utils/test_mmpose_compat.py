"""mmpose 1.3.2's own drawing and inference paths work on the plugin's models under numpy 2, and ``num_workers=0``
trains with configs that keep workers alive."""
from __future__ import annotations

from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpose.visualization import PoseLocalVisualizer

from mmpose_ext.utils.mmpose_compat import fill_inferencer_keys

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / 'tests' / 'data' / 'coco' / '000000000785.jpg'
MIPNET = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'
HIGHERHRNET = 'configs/higherhrnet/ae_higherhrnet-lite_synthcrowd-256x256.py'


def _coco_meta() -> dict:
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    return parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))


def test_add_datasample_draws_under_numpy2():
    """mmpose passes radius=np.array([r]) to OpenCV's circle drawing; numpy 2 refused int() on it."""
    image = mmcv.imread(str(IMAGE))
    visualizer = PoseLocalVisualizer(radius=3)
    visualizer.set_dataset_meta(_coco_meta())
    sample = PoseDataSample()
    points = np.stack([np.linspace(100, 300, 17), np.linspace(100, 300, 17)], -1)[None]
    sample.pred_instances = InstanceData(keypoints=points, keypoint_scores=np.ones((1, 17)),
                                         bboxes=np.array([[90., 90., 310., 310.]]))
    drawn = visualizer.add_datasample('x', image, data_sample=sample, draw_gt=False, show=False, kpt_thr=0.3)
    assert drawn.shape == image.shape and (drawn != image).any()


def test_mmpose_apis_visualize_under_numpy2():
    from mmpose.apis import visualize
    image = mmcv.imread(str(IMAGE))
    points = np.stack([np.linspace(50, 250, 17), np.linspace(60, 260, 17)], -1)[None]
    drawn = visualize(image.copy(), points, np.ones((1, 17)), metainfo='configs/_base_/datasets/coco.py',
                      show=False)
    width = image.shape[1]  # mmpose shows the image and the drawn poses side by side
    assert drawn.shape == (image.shape[0], 2 * width, 3) and (drawn[:, width:] != drawn[:, :width]).any()


def _weights(config: str, path: Path) -> str:
    cfg = Config.fromfile(str(ROOT / config))
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


def test_inferencer_keys_come_from_the_test_dataset():
    cfg = Config.fromfile(str(ROOT / MIPNET))
    assert 'data_mode' not in cfg
    fill_inferencer_keys(cfg)
    assert (cfg.data_mode, cfg.dataset_type) == ('topdown', 'SyntheticCrowdDataset')
    cfg = Config.fromfile(str(ROOT / HIGHERHRNET))
    fill_inferencer_keys(cfg)
    assert cfg.data_mode == 'bottomup'


def test_mmpose_inferencer_runs_mipnet_on_given_boxes_and_draws(tmp_path: Path):
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(pose2d=str(ROOT / MIPNET), pose2d_weights=_weights(MIPNET, tmp_path / 'm.pth'),
                                  device='cpu')
    boxes = [[40., 60., 200., 300.], [220., 50., 380., 320.]]
    result = next(inferencer(str(IMAGE), bboxes=[boxes], return_vis=True, vis_out_dir=str(tmp_path / 'vis')))
    poses = result['predictions'][0]
    lambdas = Config.fromfile(str(ROOT / MIPNET)).model.backbone.get('num_instances', None) or \
        len(poses) // len(boxes)
    assert len(poses) == len(boxes) * lambdas  # N poses per box, every box the caller gave
    assert sorted({tuple(np.round(p['bbox'][0], 3)) for p in poses}) == sorted(tuple(b) for b in boxes)
    assert result['visualization'][0].shape[:2] == mmcv.imread(str(IMAGE)).shape[:2]
    assert (tmp_path / 'vis' / IMAGE.name).is_file()


def test_mmpose_inferencer_runs_higherhrnet_without_boxes(tmp_path: Path):
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(pose2d=str(ROOT / HIGHERHRNET),
                                  pose2d_weights=_weights(HIGHERHRNET, tmp_path / 'h.pth'), device='cpu')
    result = next(inferencer(str(IMAGE), return_vis=True))
    assert isinstance(result['predictions'][0], list)
    assert result['visualization'][0].shape[:2] == mmcv.imread(str(IMAGE)).shape[:2]


def test_mmpose_inferencer_refuses_weights_of_another_model(tmp_path: Path):
    from mmpose.apis import MMPoseInferencer

    from mmpose_ext.utils.checkpoint_match import CheckpointMismatchError
    with pytest.raises(CheckpointMismatchError, match='does not fit'):
        MMPoseInferencer(pose2d=str(ROOT / MIPNET), pose2d_weights=_weights(HIGHERHRNET, tmp_path / 'h.pth'),
                         device='cpu')


def test_num_workers_zero_builds_a_loader_from_a_persistent_workers_config():
    dataset = torch.utils.data.TensorDataset(torch.arange(4.))
    config = dict(dataset=dataset, batch_size=2, num_workers=0, persistent_workers=True, prefetch_factor=4,
                  sampler=dict(type='DefaultSampler', shuffle=False))
    loader = Runner.build_dataloader(config)
    assert [[float(x) for x in b[0]] for b in loader] == [[0., 1.], [2., 3.]]
    assert config['persistent_workers'] is True  # the config itself is left as written


@pytest.mark.skipif(torch.accelerator.is_available(), reason='an accelerator is present: pin_memory is kept')
def test_pin_memory_is_dropped_without_an_accelerator():
    import warnings
    dataset = torch.utils.data.TensorDataset(torch.arange(4.))
    config = dict(dataset=dataset, batch_size=2, num_workers=0, pin_memory=True,
                  sampler=dict(type='DefaultSampler', shuffle=False))
    loader = Runner.build_dataloader(config)
    assert loader.pin_memory is False and config['pin_memory'] is True
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # torch: "'pin_memory' argument is set as true but no accelerator is found"
        assert [[float(x) for x in b[0]] for b in loader] == [[0., 1.], [2., 3.]]


def test_mmpose_datasets_read_their_metainfo_without_a_warning():
    import os.path as osp
    import warnings

    from mmpose.datasets import CocoDataset
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    assert osp.isabs(CocoDataset.METAINFO['from_file'])
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # mmpose warned "The metainfo config file ... does not exist" every build
        assert parse_pose_metainfo(CocoDataset.METAINFO)['num_keypoints'] == 17


def test_every_shipped_metric_has_a_prefix():
    """mmengine logs 'The prefix is not set in metric class ...' for a metric without one."""
    from mmpose.registry import METRICS
    for config in sorted((ROOT / 'configs').rglob('*.py')):
        if '_base_' in config.parts:
            continue
        evaluators = Config.fromfile(str(config)).get('val_evaluator') or []
        for metric in evaluators if isinstance(evaluators, list) else [evaluators]:
            cls = metric['type'] if isinstance(metric['type'], type) else METRICS.get(metric['type'])
            assert metric.get('prefix') or cls.default_prefix, f'{config.name}: {cls.__name__} has no prefix'


def test_inferencer_loads_runner_checkpoints_without_importing_the_plugin_first(tmp_path: Path):
    """mmengine reads the configs lazily and the inferencer loads weights before it builds the model: the config
    itself must register the plugin, or torch's weights-only load refuses the numpy arrays in mmengine's meta."""
    import subprocess
    import sys
    cfg = Config.fromfile(str(ROOT / MIPNET))
    model = MODELS.build(cfg.model)
    checkpoint = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {'sigmas': np.ones(17)}}, checkpoint)
    code = ('import sys; from mmpose.apis import MMPoseInferencer; '
            f'MMPoseInferencer(pose2d={str(ROOT / MIPNET)!r}, pose2d_weights={str(checkpoint)!r}, device="cpu"); '
            'print("loaded", "mmpose_ext" in sys.modules)')
    proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and 'loaded True' in proc.stdout, proc.stderr[-2000:]
