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
