"""Mixed precision on the CPU: every head's loss and prediction under float16/bfloat16 autocast (losses in float32),
and a real Runner training run with mmengine's AmpOptimWrapper in bfloat16."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmpose_ext.analysis.benchmark import build_model, fake_batch
from mmpose_ext.utils import enable_float32_to_numpy

ROOT = Path(__file__).resolve().parents[2]
# one config per head type: mmpose's HeatmapHead, MultiInstanceHeatmapHead, MultiStackHeatmapHead, the FPD distiller
# (an HRNet teacher resampled onto a stacked-hourglass student), PoseFixHead, HigherHRNetHead
HEAD_CONFIGS = [
    'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py',
    'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py',
    'configs/hourglass_fpd/td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py',
    'configs/hourglass_fpd/fpd_hrnet-lite-to-hourglass-s2-64-mobile_synthcrowd-128x128.py',
    'configs/posefix/posefix_r18_synthcrowd-128x96.py',
    'configs/higherhrnet/ae_higherhrnet-lite_synthcrowd-256x256.py',
]
# bfloat16 for every head (numpy has no bfloat16: the crash); float16 (numpy has it, CPUs compute it slowly) for the
# heads whose code handles the dtype itself
CASES = [(c, torch.bfloat16) for c in HEAD_CONFIGS] + \
    [(c, torch.float16) for c in (HEAD_CONFIGS[1], HEAD_CONFIGS[3], HEAD_CONFIGS[4])]


def test_mmpose_to_numpy_reads_half_precision_as_float32():
    from mmpose.models.heads.heatmap_heads import heatmap_head as module  # whose loss crashed
    from mmpose.utils import tensor_utils

    assert enable_float32_to_numpy() == 0  # already applied by importing mmpose_ext; idempotent
    for to_numpy in (tensor_utils.to_numpy, module.to_numpy):
        for dtype in (torch.bfloat16, torch.float16):
            assert to_numpy(torch.ones(2, 3, dtype=dtype)).dtype.name == 'float32'
        assert to_numpy(torch.ones(2, dtype=torch.float64)).dtype.name == 'float64'  # unchanged
        arrays = to_numpy([torch.ones(1, 2, dtype=torch.bfloat16), torch.zeros(1, 2)], unzip=True)
        assert arrays[0][0].dtype.name == 'float32' and arrays[0][1].dtype.name == 'float32'


@pytest.mark.parametrize('config,dtype', CASES, ids=[f'{Path(c).stem}-{str(d)[6:]}' for c, d in CASES])
def test_head_loss_and_predict_under_autocast(config: str, dtype: torch.dtype):
    cfg = Config.fromfile(str(ROOT / config))
    torch.manual_seed(0)
    model = build_model(cfg)
    batch = fake_batch(cfg, batch_size=2, input_size=(64, 64))
    model.train()
    data = model.data_preprocessor(batch, training=True)
    with torch.no_grad():
        reference = model(**data, mode='loss')
        with torch.autocast('cpu', dtype=dtype):
            losses = model(**data, mode='loss')
    assert set(losses) == set(reference)
    for name, value in losses.items():
        assert torch.isfinite(value).all(), f'{name}: {value}'
        if name.startswith('loss'):  # computed in float32, the same as without autocast up to the forward's rounding
            assert value.dtype == torch.float32, f'{name} is {value.dtype} under {dtype} autocast'
            assert value.item() == pytest.approx(reference[name].item(), rel=0.1, abs=1e-4), name
    model.eval()
    with torch.no_grad(), torch.autocast('cpu', dtype=dtype):
        samples = model(**model.data_preprocessor(batch, training=False), mode='predict')
    keypoints = samples[0].pred_instances.keypoints
    assert keypoints.dtype.kind == 'f' and keypoints.shape[-1] == 2 and np.isfinite(keypoints).all()


def test_runner_trains_with_amp_optim_wrapper_in_bfloat16(tmp_path: Path, monkeypatch):
    """tools/train.py --amp --amp-dtype bfloat16 sets exactly this optim wrapper; mmengine 0.10.7 refuses to build it
    without an accelerator (an availability assert, nothing else is CUDA-specific: its GradScaler disables itself and
    its autocast follows the device, here the CPU), so the assert is lifted for this test."""
    from mmengine.optim.optimizer import amp_optimizer_wrapper
    from mmengine.runner import Runner

    from mmpose_ext.datasets.synthetic import generate_synthetic_crowd

    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available', lambda: True)
    data_root = tmp_path / 'synthetic_crowd'
    generate_synthetic_crowd(str(data_root), 2, split='train', seed=0, layout='coco', image_size=(128, 128),
                             progress=False)
    cfg = Config.fromfile(str(ROOT / 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'))
    cfg.train_dataloader.update(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.dataset.data_root = str(data_root) + '/'
    cfg.optim_wrapper.update(type='AmpOptimWrapper', dtype='bfloat16', loss_scale='dynamic')
    cfg.train_cfg.update(max_epochs=1, val_interval=100)
    cfg.update(val_cfg=None, val_dataloader=None, val_evaluator=None, test_cfg=None, test_dataloader=None,
               test_evaluator=None, work_dir=str(tmp_path / 'work'), param_scheduler=[])
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    runner = Runner.from_cfg(cfg)
    seen = []
    runner.model.head.final_layer.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    runner.train()
    assert seen and set(seen) == {torch.bfloat16}, seen  # the forward ran under bfloat16 autocast
    scalars = runner.message_hub.log_scalars
    assert torch.isfinite(torch.tensor(scalars['train/loss'].current()))
    assert 0.0 <= scalars['train/acc_pose'].current() <= 1.0
