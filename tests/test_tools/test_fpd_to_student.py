"""Export round trip through the user's tools: tools/train.py trains the unofficial FPD config (hourglasses shrunk to
64x64, the MPII sample), tools/convert/fpd_to_student.py exports the student, and tools/test.py gives the same
predictions for the exported checkpoint with the student's own config as for the distiller checkpoint with the FPD
config. Checkpoints that are not an FPD training's are refused with their name."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import mmengine
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import CheckpointLoader
from mmpose.registry import MODELS

from mmpose_ext.tools.fpd_to_student import ExportError, student_checkpoint
from mmpose_ext.tools.fpd_to_student import main as export_main
from mmpose_ext.tools.test import main as evaluate_main
from mmpose_ext.tools.train import main as train_main

ROOT = Path(__file__).resolve().parents[2]
MPII = ROOT / 'tests' / 'data' / 'mpii'
FPD_CONFIG = ROOT / 'configs' / 'hourglass_fpd' / 'fpd_hourglass-s8-b1-to-s2-b1-mobile_mpii-256x256.py'
TEACHER_CONFIG = ROOT / 'configs' / 'hourglass_fpd' / 'td-hm_hourglass-s8-b1_mpii-256x256.py'
STUDENT_CONFIG = ROOT / 'configs' / 'hourglass_fpd' / 'td-hm_hourglass-s2-b1-mobile_mpii-256x256.py'


def shrink_to_mpii_sample(cfg: Config) -> Config:
    """64x64 input, 16x16 heatmaps, narrow shallow hourglasses, the 5 persons of tests/data/mpii, one epoch."""
    size, heatmap = (64, 64), (16, 16)
    if cfg.model.get('backbone'):
        cfg.model.backbone.update(channels=8, depth=2)
        cfg.model.head.decoder.update(input_size=size, heatmap_size=heatmap)
    root = str(MPII) + '/'
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.update(batch_size=5, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=root, ann_file='test_mpii.json', data_prefix=dict(img=''))
        if name != 'train_dataloader':
            loader.dataset.headbox_file = root + 'mpii_gt_val_sample5.mat'
        for step in loader.dataset.pipeline:
            if 'input_size' in step:
                step.input_size = size
            if 'encoder' in step:
                step.encoder.update(input_size=size, heatmap_size=heatmap)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    return cfg


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """The FPD config trained for one epoch through tools/train.py; returns the paths of the run."""
    tmp = tmp_path_factory.mktemp('fpd_export')
    paths = {}
    for name, config in (('teacher', TEACHER_CONFIG), ('student', STUDENT_CONFIG)):
        paths[name] = tmp / f'{name}.py'
        shrink_to_mpii_sample(Config.fromfile(str(config))).dump(str(paths[name]))
    torch.manual_seed(0)
    teacher = MODELS.build(Config.fromfile(str(paths['teacher'])).model)
    paths['teacher_ckpt'] = tmp / 'teacher.pth'
    torch.save(dict(state_dict=teacher.state_dict()), paths['teacher_ckpt'])
    fpd = shrink_to_mpii_sample(Config.fromfile(str(FPD_CONFIG)))
    fpd.model.update(teacher_cfg=str(paths['teacher']), student_cfg=str(paths['student']),
                     teacher_ckpt=str(paths['teacher_ckpt']))
    paths['fpd'] = tmp / 'fpd.py'
    fpd.dump(str(paths['fpd']))
    paths['work'] = tmp / 'work'
    train_main([str(paths['fpd']), '--work-dir', str(paths['work'])])
    paths['ckpt'] = paths['work'] / 'epoch_1.pth'
    return paths


def test_exported_student_predicts_exactly_as_the_distiller(trained, tmp_path: Path, capsys):
    out = tmp_path / 'student.pth'
    export_main([str(trained['ckpt']), str(out), '--config', str(trained['student'])])
    assert f'matches {trained["student"]}' in capsys.readouterr().out

    # the plugin's weights-only loading (what tools/test.py uses) accepts the exported file
    exported = CheckpointLoader.load_checkpoint(str(out), map_location='cpu')
    distilled = CheckpointLoader.load_checkpoint(str(trained['ckpt']), map_location='cpu')
    assert set(exported) == {'state_dict', 'meta'}  # no optimizer / scheduler / message hub
    assert exported['meta']['epoch'] == distilled['meta']['epoch'] == 1
    assert exported['meta']['exported_from'] == str(trained['ckpt'])
    assert {'student.' + k for k in exported['state_dict']} == set(distilled['state_dict'])

    dumps = {}
    for name, config, ckpt in (('fpd', trained['fpd'], trained['ckpt']), ('student', trained['student'], out)):
        dumps[name] = tmp_path / f'{name}.pkl'
        metrics = evaluate_main([str(config), str(ckpt), '--work-dir', str(tmp_path / name),
                                 '--dump', str(dumps[name])])
        assert 'mpii/Mean' in metrics
    fpd_preds, student_preds = mmengine.load(str(dumps['fpd'])), mmengine.load(str(dumps['student']))
    assert len(fpd_preds) == len(student_preds) == 5
    for a, b in zip(fpd_preds, student_preds):
        np.testing.assert_array_equal(a['pred_instances']['keypoints'], b['pred_instances']['keypoints'])
        np.testing.assert_array_equal(a['pred_instances']['keypoint_scores'],
                                      b['pred_instances']['keypoint_scores'])


def test_command_line_script_and_refusals(trained, tmp_path: Path, monkeypatch):
    out = tmp_path / 'cli.pth'
    monkeypatch.setattr(sys, 'argv', ['fpd_to_student.py', str(trained['ckpt']), str(out)])
    runpy.run_path(str(ROOT / 'tools' / 'convert' / 'fpd_to_student.py'), run_name='__main__')
    assert out.is_file()
    with pytest.raises(SystemExit, match='no student.\\* weights'):
        export_main([str(out), str(tmp_path / 'again.pth')])  # a plain student checkpoint
    with pytest.raises(SystemExit, match=f'does not fit {trained["teacher"]}'):
        export_main([str(trained['ckpt']), str(tmp_path / 'x.pth'), '--config', str(trained['teacher'])])
    assert not (tmp_path / 'x.pth').exists()
    with pytest.raises(SystemExit, match='does not exist'):
        export_main([str(tmp_path / 'missing.pth'), str(tmp_path / 'y.pth')])


def test_teacher_keys_are_dropped_and_unknown_keys_refused():
    weights = torch.zeros(1)
    state = {'student.backbone.w': weights, 'teacher.backbone.w': weights}
    exported = student_checkpoint(dict(state_dict=state, meta=dict(epoch=3)), 'a.pth')
    assert list(exported['state_dict']) == ['backbone.w'] and exported['meta']['epoch'] == 3
    with pytest.raises(ExportError, match="a.pth: unexpected key 'head.w'"):
        student_checkpoint(dict(state_dict={'student.backbone.w': weights, 'head.w': weights}), 'a.pth')
    with pytest.raises(ExportError, match='b.pth: no state_dict'):
        student_checkpoint(dict(meta={}), 'b.pth')


def test_untrusted_checkpoint_is_one_error_line(tmp_path: Path):
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'student.w': torch.ones(1)}, 'meta': {'hook': print}}, path)
    with pytest.raises(SystemExit) as err:
        export_main([str(path), str(tmp_path / 'out.pth')])
    message = str(err.value)
    assert message.startswith(f"error: Refusing to load checkpoint '{path}'") and 'builtins.print' in message
    assert '\n' not in message and 'weights_only=False' not in message and not (tmp_path / 'out.pth').exists()
