"""Bottom-up pictures that explain themselves: bottomup_demo.py's grouping thresholds and --cfg-options, its
"0 poses: no joint above decode_keypoint_thr=..." line, and the bottom-up legend of tools/test.py --show-dir
pictures (PredictionPictureHook in a real Runner), on an untrained small HigherHRNet and the COCO sample."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from mmpose_ext.analysis.benchmark import build_model
from mmpose_ext.tools.bottomup_demo import main as bottomup_demo
from mmpose_ext.tools.bottomup_demo import decoder_options, parse_args
from mmpose_ext.visualization import PredictionPictureHook

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'configs' / 'higherhrnet' / 'ae_higherhrnet-lite_synthcrowd-256x256.py'
COCO = ROOT / 'tests' / 'data' / 'coco'
SIZE = (128, 128)  # half the config's input: same code path, a quarter of the CPU time


def small_config(tmp_path: Path, decode_thr: float) -> Path:
    """The lite HigherHRNet config at 128x128, its test set pointed at the COCO sample."""
    cfg = Config.fromfile(str(CONFIG))
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler', 'auto_scale_lr'):
        cfg[key] = None  # tests only: a smaller config to build (and for the Runner to print)
    loader = cfg.test_dataloader
    loader.update(batch_size=4, num_workers=0, persistent_workers=False)
    loader.dataset.update(data_root=str(COCO) + '/', ann_file='test_coco.json', data_prefix=dict(img=''))
    loader.dataset.pipeline[1].input_size = SIZE
    cfg.test_evaluator.ann_file = str(COCO / 'test_coco.json')
    cfg.val_dataloader, cfg.val_cfg, cfg.val_evaluator = None, None, None
    cfg.model.head.decoder.update(input_size=SIZE, heatmap_size=(32, 32), decode_keypoint_thr=decode_thr)
    cfg.model.test_cfg.flip_test = False  # the pictures do not depend on it; half the CPU time
    cfg.work_dir = str(tmp_path / 'work')
    out = tmp_path / f'hh_small_{decode_thr:g}.py'
    cfg.dump(str(out))
    return out


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('bottomup') / 'untrained.pth'
    torch.save({'state_dict': build_model(Config.fromfile(str(CONFIG))).state_dict(), 'meta': {}}, path)
    return path


def test_demo_says_which_threshold_left_the_picture_empty(tmp_path: Path, checkpoint: Path, capsys):
    config = small_config(tmp_path, decode_thr=0.1)
    image = str(COCO / '000000000785.jpg')
    # the grouping threshold through --cfg-options (what --decode-thr sets, see below) reaches the model's decoder
    bottomup_demo([str(config), str(checkpoint), image, '--out', str(tmp_path / 'a.jpg'), '--cfg-options',
                   'model.head.decoder.decode_keypoint_thr=1000'])
    out = capsys.readouterr().out
    assert '000000000785.jpg: 0 poses: no joint above decode_keypoint_thr=1000 (lower it with --decode-thr)' in out
    assert (tmp_path / 'a.jpg').stat().st_size > 0


def test_threshold_flags_become_decoder_options():
    args = parse_args(['c.py', 'w.pth', 'img.jpg', '--decode-thr', '0.02', '--tag-thr', '2',
                       '--cfg-options', 'model.test_cfg.flip_test=False', 'model.head.decoder.decode_tag_thr=5'])
    assert decoder_options(args) == {'model.test_cfg.flip_test': False, 'model.head.decoder.decode_tag_thr': 2.0,
                                     'model.head.decoder.decode_keypoint_thr': 0.02}


def test_show_dir_pictures_of_a_bottomup_model_carry_a_bottomup_legend(tmp_path: Path, checkpoint: Path):
    from mmengine.runner import Runner
    cfg = Config.fromfile(str(small_config(tmp_path, decode_thr=1000)))
    cfg.load_from = str(checkpoint)
    runner = Runner.from_cfg(cfg)
    hook = PredictionPictureHook(str(tmp_path / 'pictures'))
    runner.register_hook(hook)
    runner.test()
    assert hook.bottomup is True and len(hook.written) == 4
    assert hook.legends == ['bottom-up: 0 poses: no joint above decode_keypoint_thr=1000'] * 4
    assert all(Path(f).stat().st_size > 0 for f in hook.written)

    # two grouped persons of one image: counted as poses, each in its own colour, never as boxes or lambdas
    sample = PoseDataSample(metainfo=dict(img_path=str(COCO / '000000000785.jpg')))
    sample.gt_instances = InstanceData(bboxes=np.array([[10, 10, 200, 300], [250, 10, 400, 300]], np.float32))
    kpts = np.random.default_rng(0).uniform(20, 300, (2, 17, 2)).astype(np.float32)
    sample.pred_instances = InstanceData(keypoints=kpts, keypoint_scores=np.ones((2, 17), np.float32))
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, outputs=[sample])
    hook.after_test_epoch(runner)
    assert hook.legends == ['bottom-up: 2 poses, 2 with joints above thr 0.3, one colour each']
    assert 'boxes' not in hook.legends[0] and 'lambda' not in hook.legends[0]
