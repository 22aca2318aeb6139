"""HigherHRNet converter: official (plain, DataParallel, FP16 '1.'-wrapped) and mmpose 0.x layouts, built here from
the published facts (1,810 keys, 301 BN counters, 28,645,331 parameters for W32), and refusal on any mismatch."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from mmpose_ext.tools.higherhrnet_to_mmpose_ext import main

CONFIG = 'configs/higherhrnet/ae_higherhrnet-w32_coco-512x512.py'
CROWDPOSE = 'configs/higherhrnet/ae_higherhrnet-w32_crowdpose-512x512.py'
LITE = 'configs/higherhrnet/ae_higherhrnet-lite_synthcrowd-256x256.py'


@pytest.fixture(scope='module')
def ours(repo_root: Path):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(repo_root / CONFIG)).model)
    return {k: v.clone() for k, v in model.state_dict().items()}


def official_layout(ours: dict) -> dict:
    """The reference's keys: backbone modules at the top level, head modules as they are."""
    out = {}
    for key, value in ours.items():
        prefix = 'backbone.' if key.startswith('backbone.') else 'head.'
        out[key[len(prefix):]] = value
    return out


def test_official_layout_matches_published_facts(ours):
    official = official_layout(ours)
    assert len(official) == 1810
    assert sum(k.endswith('num_batches_tracked') for k in official) == 301
    params = sum(v.numel() for k, v in official.items() if not k.endswith(('running_mean', 'running_var',
                                                                            'num_batches_tracked')))
    assert params == 28_645_331
    assert tuple(official['deconv_layers.0.0.0.weight'].shape) == (66, 32, 4, 4)
    assert tuple(official['final_layers.0.weight'].shape) == (34, 32, 1, 1)


def _check_written(dst: Path, ours: dict) -> None:
    state = torch.load(dst, map_location='cpu', weights_only=True)['state_dict']
    assert set(state) == set(ours)
    for key, value in ours.items():
        assert state[key].dtype == value.dtype, key
        torch.testing.assert_close(state[key], value, rtol=1e-3, atol=1e-3)


def test_plain_and_dataparallel_official(tmp_path, ours, repo_root, capsys):
    official = official_layout(ours)
    torch.save(official, tmp_path / 'pose_higher_hrnet_w32_512.pth')
    main([str(tmp_path / 'pose_higher_hrnet_w32_512.pth'), str(tmp_path / 'a.pth'), '--config',
          str(repo_root / CONFIG)])
    assert 'official layout' in capsys.readouterr().out
    _check_written(tmp_path / 'a.pth', ours)
    training = {'epoch': 3, 'perf': 0.5, 'state_dict': {'module.' + k: v for k, v in official.items()},
                'best_state_dict': official}
    torch.save(training, tmp_path / 'checkpoint.pth.tar')
    main([str(tmp_path / 'checkpoint.pth.tar'), str(tmp_path / 'b.pth'), '--config', str(repo_root / CONFIG)])
    _check_written(tmp_path / 'b.pth', ours)


def test_fp16_wrapped_official(tmp_path, ours, repo_root, capsys):
    # the *_640 releases: Sequential(tofp16, net, tofp32) -> '1.' prefix; conv weights and final biases in float16
    fp16 = {}
    for key, value in official_layout(ours).items():
        half = value.dim() == 4 or (key.startswith('final_layers.') and key.endswith('bias'))
        fp16['1.' + key] = value.half() if half else value
    torch.save(fp16, tmp_path / 'pose_higher_hrnet_w32_640.pth')
    main([str(tmp_path / 'pose_higher_hrnet_w32_640.pth'), str(tmp_path / 'c.pth'), '--config',
          str(repo_root / CONFIG)])
    out = capsys.readouterr().out
    assert 'official-fp16' in out and 'cast to float32' in out
    _check_written(tmp_path / 'c.pth', ours)


def test_mmpose0x_layout(tmp_path, ours, repo_root):
    state = {('keypoint_head.' + k[len('head.'):]) if k.startswith('head.') else k: v for k, v in ours.items()}
    torch.save({'meta': {'mmcv_version': '1.7.0', 'epoch': 300}, 'state_dict': state}, tmp_path / 'hh_0x.pth')
    main([str(tmp_path / 'hh_0x.pth'), str(tmp_path / 'd.pth'), '--config', str(repo_root / CONFIG)])
    _check_written(tmp_path / 'd.pth', ours)


def test_refuses_mismatch_and_writes_nothing(tmp_path, ours, repo_root):
    official = official_layout(ours)
    torch.save(official, tmp_path / 'w32.pth')
    with pytest.raises(SystemExit, match=r'shape of head\.final_layers\.0\.weight'):  # 17 joints vs CrowdPose's 14
        main([str(tmp_path / 'w32.pth'), str(tmp_path / 'x.pth'), '--config', str(repo_root / CROWDPOSE)])
    dropped = next(k for k in official if k.startswith('stage4.2.fuse_layers.') and k.endswith('weight'))
    del official[dropped]
    official['extra.weight'] = torch.zeros(1)
    torch.save(official, tmp_path / 'broken.pth')
    with pytest.raises(SystemExit, match=f'missing: backbone.{dropped}'):
        main([str(tmp_path / 'broken.pth'), str(tmp_path / 'y.pth'), '--config', str(repo_root / CONFIG)])
    torch.save({'conv.weight': torch.zeros(1)}, tmp_path / 'other.pth')
    with pytest.raises(SystemExit, match='not a HigherHRNet checkpoint'):
        main([str(tmp_path / 'other.pth'), str(tmp_path / 'z.pth'), '--config', str(repo_root / CONFIG)])
    assert not any((tmp_path / n).exists() for n in ('x.pth', 'y.pth', 'z.pth'))


LOSS_SCALER_MODULE = '''
class DynamicLossScaler:
    """Stands for HigherHRNet's fp16_utils.loss_scaler.DynamicLossScaler; leaves a mark if the converter runs it."""

    def __init__(self, marker):
        self.marker, self.cur_scale, self.cur_iter = marker, 2.0 ** 16, 1234

    def __setstate__(self, state):
        open(state['marker'], 'w').close()
        self.__dict__.update(state)


class Evil(DynamicLossScaler):
    pass
'''


def _fp16_training_file(tmp_path: Path, monkeypatch, official: dict, scaler_class: str) -> Path:
    """An FP16 HigherHRNet checkpoint.pth.tar as FP16_Optimizer saves it: the loss scaler pickled as an object of
    ``fp16_utils.loss_scaler.<scaler_class>`` inside the optimizer state, legacy (non-zip) serialisation."""
    import importlib
    import sys
    package = tmp_path / 'lib' / 'fp16_utils'
    package.mkdir(parents=True)
    (package / '__init__.py').write_text('')
    (package / 'loss_scaler.py').write_text(LOSS_SCALER_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path / 'lib'))
    module = importlib.import_module('fp16_utils.loss_scaler')
    scaler = getattr(module, scaler_class)(str(tmp_path / 'EXECUTED'))
    optimizer = dict(loss_scaler=scaler, dynamic_loss_scale=True, overflow=False, first_closure_call_this_step=True,
                     optimizer_state_dict=dict(state={}, param_groups=[dict(lr=1e-3, params=[0])]),
                     fp32_from_fp16=[[torch.nn.Parameter(torch.zeros(2))]])
    path = tmp_path / 'checkpoint.pth.tar'
    torch.save(dict(epoch=3, model='pose_higher_hrnet', perf=3, optimizer=optimizer,
                    state_dict={'module.1.' + k: v for k, v in official.items()}), path,
               _use_new_zipfile_serialization=False)
    for name in ('fp16_utils.loss_scaler', 'fp16_utils'):  # reading must not import it again
        sys.modules.pop(name)
    return path


def test_fp16_training_checkpoint_skips_its_loss_scaler(tmp_path, repo_root, capsys, monkeypatch):
    import sys
    torch.manual_seed(0)  # the small HigherHRNet: the same layout as W32, a fraction of the time
    small = {k: v.clone() for k, v in MODELS.build(Config.fromfile(str(repo_root / LITE)).model).state_dict().items()}
    official = {k: v.half() if v.dim() == 4 else v for k, v in official_layout(small).items()}
    path = _fp16_training_file(tmp_path, monkeypatch, official, 'DynamicLossScaler')
    main([str(path), str(tmp_path / 'd.pth'), '--config', str(repo_root / LITE)])
    out = capsys.readouterr().out
    assert 'official-fp16' in out and "skipped the FP16 training's loss scaler (1 pickled" in out
    assert not (tmp_path / 'EXECUTED').exists() and 'fp16_utils.loss_scaler' not in sys.modules
    _check_written(tmp_path / 'd.pth', small)


def test_any_other_pickled_type_is_refused_in_one_line(tmp_path, repo_root, monkeypatch):
    path = _fp16_training_file(tmp_path, monkeypatch, {'final_layers.0.weight': torch.zeros(1)}, 'Evil')
    with pytest.raises(SystemExit) as err:
        main([str(path), str(tmp_path / 'e.pth'), '--config', str(repo_root / CONFIG)])
    message = str(err.value)
    assert message.startswith(f"error: Refusing to load checkpoint '{path}'")
    assert 'fp16_utils.loss_scaler.Evil' in message
    assert '\n' not in message and '\x1b' not in message and 'weights_only=False' not in message
    assert not (tmp_path / 'EXECUTED').exists() and not (tmp_path / 'e.pth').exists()
