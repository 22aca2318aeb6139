"""FPDDistiller with tiny real hourglasses: the teacher stays frozen and in eval mode, is outside the optimizer and the
checkpoint, runs once per training step without gradients and never at inference; the loss is the FPD formula on
the teacher's last stack; weights load in init_weights; and a real Runner trains on labelled and unlabeled samples
mixed in one batch."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import ConcatDataset, DefaultSampler
from mmengine.hooks import Hook
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from mmpose.codecs import MSRAHeatmap
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomFlip,
                             TopdownAffine)
from mmpose.models import KeypointMSELoss, PoseDataPreprocessor, TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.testing import get_packed_inputs
from torch.optim import Adam

from mmpose_ext.datasets import MpiiOfficialDataset, UnlabeledImageDataset
from mmpose_ext.datasets.transforms import RandomChannelScale
from mmpose_ext.models import FPDDistiller, MultiStackHeatmapHead, StackedHourglass
from mmpose_ext.models.losses import FastPoseDistillationLoss
from mmpose_ext.utils import UntrustedCheckpointError

ROOT = Path(__file__).resolve().parents[3]
MPII = ROOT / 'tests' / 'data' / 'mpii'
NUM_JOINTS = 16
CODEC = dict(type=MSRAHeatmap, input_size=(64, 64), heatmap_size=(16, 16), sigma=1)
MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def hourglass(num_stacks: int, channels: int, mobile: bool = False, mean=MEAN) -> dict:
    return dict(
        type=TopdownPoseEstimator,
        data_preprocessor=dict(type=PoseDataPreprocessor, mean=mean, std=STD, bgr_to_rgb=True),
        backbone=dict(type=StackedHourglass, num_stacks=num_stacks, channels=channels, depth=2,
                      out_channels=NUM_JOINTS, mobile=mobile),
        head=dict(type=MultiStackHeatmapHead, num_stacks=num_stacks, out_channels=NUM_JOINTS,
                  loss=dict(type=KeypointMSELoss, use_target_weight=True), decoder=CODEC),
        test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))


def distiller(**kwargs) -> FPDDistiller:
    torch.manual_seed(0)
    cfg = dict(type=FPDDistiller, teacher_cfg=hourglass(3, 16), student=hourglass(2, 8, mobile=True))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(labeled: List[bool]) -> dict:
    packed = get_packed_inputs(batch_size=len(labeled), num_keypoints=NUM_JOINTS, img_shape=(64, 64),
                               input_size=(64, 64), heatmap_size=(16, 16), with_heatmap=True, with_reg_label=False,
                               with_simcc_label=False)
    for sample, flag in zip(packed['data_samples'], labeled):
        if not flag:
            sample.set_metainfo(dict(labeled=False))
    return packed


class ForwardCounter:
    def __init__(self, module: torch.nn.Module) -> None:
        self.calls, self.outputs_with_grad = 0, 0
        module.register_forward_hook(self)

    def __call__(self, module, args, output) -> None:
        self.calls += 1
        self.outputs_with_grad += sum(t.requires_grad for t in output)


def test_teacher_frozen_in_eval_outside_optimizer_and_checkpoint():
    model = distiller()
    model.train()
    assert not model.teacher.training and all(not m.training for m in model.teacher.modules())
    assert model.student.training
    assert all(not p.requires_grad for p in model.teacher.parameters())
    teacher_ids = {id(p) for p in model.teacher.parameters()}
    optim = build_optim_wrapper(model, dict(optimizer=dict(type=Adam, lr=1e-3)))
    in_optimizer = {id(p) for group in optim.optimizer.param_groups for p in group['params']}
    assert in_optimizer and not in_optimizer & teacher_ids
    assert in_optimizer == {id(p) for p in model.student.parameters()}
    keys = list(model.state_dict())
    assert keys and all(k.startswith('student.') for k in keys), [k for k in keys if not k.startswith('student.')]
    model.train(False)
    model.train()
    assert not model.teacher.training


def test_teacher_follows_device_and_dtype_moves():
    model = distiller().to(torch.float64)
    assert all(p.dtype == torch.float64 for p in model.teacher.parameters())
    assert all(b.dtype == torch.float64 for b in model.teacher.buffers() if b.is_floating_point())


def test_one_teacher_forward_per_step_without_gradient_and_none_at_inference():
    model = distiller()
    teacher, student = ForwardCounter(model.teacher.backbone), ForwardCounter(model.student.backbone)
    optim = build_optim_wrapper(model, dict(optimizer=dict(type=Adam, lr=1e-3)))
    model.train()
    before = [p.clone() for p in model.teacher.parameters()]
    model.train_step(batch([True, False]), optim)
    assert (teacher.calls, student.calls, teacher.outputs_with_grad) == (1, 1, 0)
    assert all(p.grad is None for p in model.teacher.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.teacher.parameters()))
    model.eval()
    model.test_step(batch([True, True]))  # flip test: the student runs twice
    model(torch.zeros(1, 3, 64, 64), None, mode='tensor')
    assert teacher.calls == 1 and student.calls == 4


def test_loss_is_the_fpd_formula_on_the_teacher_last_stack():
    model = distiller(distill_loss=dict(type=FastPoseDistillationLoss, alpha=0.5, use_target_weight=True))
    model.train()
    data = model.data_preprocessor(batch([True, False, True]), training=True)
    losses = model(**data, mode='loss')
    with torch.no_grad():
        teacher_last = model.teacher.backbone(data['inputs'])[-1]
        stacks = model.student.backbone(data['inputs'])
    samples = data['data_samples']
    gt = torch.stack([s.gt_fields.heatmaps for s in samples])
    w = torch.cat([s.gt_instance_labels.keypoint_weights for s in samples])
    per_sample = []
    for i, labeled in enumerate([True, False, True]):
        kd = sum(((s[i] - teacher_last[i]) ** 2 * (w[i, :, None, None] if labeled else 1)).mean() for s in stacks)
        if labeled:
            gt_term = sum(((s[i] - gt[i]) ** 2 * w[i, :, None, None]).mean() for s in stacks)
            per_sample.append(0.5 * gt_term + 0.5 * kd)
        else:
            per_sample.append(kd)
    expected = sum(per_sample) / 3
    torch.testing.assert_close(losses['loss_gt'] + losses['loss_kd'], expected, rtol=1e-5, atol=1e-7)
    # the accuracy is computed on the device now; it equals mmpose's numpy pose_pck_accuracy of the labelled rows
    from mmpose.evaluation.functional import pose_pck_accuracy
    rows = torch.tensor([True, False, True])
    _, expected_acc, _ = pose_pck_accuracy(stacks[-1][rows].numpy(), gt[rows].numpy(), w[rows].numpy() > 0)
    assert losses['acc_pose'].dtype == torch.float64 and losses['acc_pose'].device == gt.device
    assert losses['acc_pose'].item() == pytest.approx(expected_acc, abs=1e-12)


def test_predict_and_tensor_modes_are_the_students():
    model = distiller().eval()
    data = model.data_preprocessor(batch([True, True]))
    ours = model(**data, mode='predict')
    theirs = model.student(**data, mode='predict')
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.pred_instances.keypoints, b.pred_instances.keypoints)
    x = torch.randn(1, 3, 64, 64)
    for a, b in zip(model(x, None, mode='tensor'), model.student(x, None, mode='tensor')):
        assert torch.equal(a, b)


def test_init_weights_loads_teacher_and_student_init(tmp_path: Path):
    source = distiller()
    torch.save(dict(state_dict=source.teacher.state_dict()), tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=source.student.state_dict()), tmp_path / 'student.pth')
    torch.manual_seed(1)
    model = MODELS.build(dict(type=FPDDistiller, teacher_cfg=hourglass(3, 16), student=hourglass(2, 8, mobile=True),
                              teacher_ckpt=str(tmp_path / 'teacher.pth'), student_init=str(tmp_path / 'student.pth')))
    assert not torch.equal(model.teacher.backbone.stem[0].weight, source.teacher.backbone.stem[0].weight)
    model.init_weights()
    for mine, theirs in ((model.teacher, source.teacher), (model.student, source.student)):
        for (name, a), b in zip(mine.state_dict().items(), theirs.state_dict().values()):
            assert torch.equal(a, b), name


def test_init_weights_fails_loudly_without_teacher_weights(tmp_path: Path):
    with pytest.raises(ValueError, match='teacher_ckpt is not set'):
        distiller().init_weights()
    missing = tmp_path / 'nowhere' / 'teacher.pth'
    with pytest.raises(FileNotFoundError, match=f'teacher_ckpt: checkpoint not found: {missing}'):
        distiller(teacher_ckpt=str(missing)).init_weights()
    other = distiller()
    torch.save(dict(state_dict=other.student.state_dict()), tmp_path / 'student_as_teacher.pth')
    with pytest.raises(RuntimeError, match='size mismatch|Missing key|unexpected key'):
        distiller(teacher_ckpt=str(tmp_path / 'student_as_teacher.pth')).init_weights()
    torch.save(dict(state_dict=other.teacher.state_dict()), tmp_path / 'teacher.pth')
    with pytest.raises(FileNotFoundError, match='student_init: checkpoint not found'):
        distiller(teacher_ckpt=str(tmp_path / 'teacher.pth'), student_init=str(tmp_path / 'x.pth')).init_weights()
    # the plugin's weights-only loading: a pickled callable in the teacher file is refused, not run
    torch.save(dict(state_dict=other.teacher.state_dict(), meta=dict(x=subprocess.Popen)), tmp_path / 'evil.pth')
    with pytest.raises(UntrustedCheckpointError, match='evil.pth'):
        distiller(teacher_ckpt=str(tmp_path / 'evil.pth')).init_weights()


def test_bad_construction_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match='exactly one of student'):
        distiller(student=None)
    with pytest.raises(ValueError, match='exactly one of student'):
        distiller(student_cfg='configs/x.py')
    with pytest.raises(FileNotFoundError, match='student_cfg: config file not found: .*missing.py'):
        distiller(student=None, student_cfg=str(tmp_path / 'missing.py'))
    with pytest.raises(ValueError, match='pre-processes images differently'):
        distiller(teacher_cfg=hourglass(3, 16, mean=[0.0, 0.0, 0.0]))


def test_student_and_teacher_from_config_files():
    configs = ROOT / 'configs' / 'hourglass_fpd'
    model = MODELS.build(dict(type=FPDDistiller,
                              teacher_cfg=str(configs / 'td-hm_hourglass-s4-64_synthcrowd-128x128.py'),
                              student_cfg=str(configs / 'td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py')))
    assert (model.teacher.backbone.num_stacks, model.student.backbone.num_stacks) == (4, 2)
    student = configs / 'td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py'
    assert FPDDistiller.student_model_cfg(dict(student_cfg=str(student)))['backbone']['mobile']


class BatchRecorder(Hook):
    """Records which samples of every training batch are labelled, and the losses."""

    def __init__(self) -> None:
        self.labeled: List[List[bool]] = []
        self.losses: List[dict] = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.labeled.append([s.metainfo.get('labeled', True) for s in data_batch['data_samples']])
        self.losses.append({k: float(torch.as_tensor(v).detach()) for k, v in outputs.items()})


@pytest.fixture
def unlabeled_folder(tmp_path: Path) -> Path:
    folder = tmp_path / 'unlabeled'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate([(48, 80), (96, 64), (64, 64)]):
        cv2.imwrite(str(folder / f'{i}.jpg'), rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    return folder


def test_runner_trains_on_mixed_labelled_and_unlabeled_batches(tmp_path: Path, unlabeled_folder: Path):
    source = distiller()
    torch.save(dict(state_dict=source.teacher.state_dict()), tmp_path / 'teacher.pth')
    labelled_pipeline = [dict(type=LoadImage), dict(type=GetBBoxCenterScale), dict(type=RandomFlip),
                         dict(type=TopdownAffine, input_size=CODEC['input_size']),
                         dict(type=GenerateTarget, encoder=CODEC), dict(type=PackPoseInputs)]
    unlabeled_pipeline = [dict(type=LoadImage), dict(type=GetBBoxCenterScale, padding=1.0), dict(type=RandomFlip),
                          dict(type=TopdownAffine, input_size=CODEC['input_size']), dict(type=RandomChannelScale),
                          dict(type=GenerateTarget, encoder=CODEC), dict(type=PackPoseInputs)]
    dataset = dict(type=ConcatDataset, datasets=[
        dict(type=MpiiOfficialDataset, data_root=str(MPII) + '/', ann_file='test_mpii.json',
             data_prefix=dict(img=''), pipeline=labelled_pipeline),
        dict(type=UnlabeledImageDataset, data_root=str(unlabeled_folder), metainfo=MpiiOfficialDataset.METAINFO,
             pipeline=unlabeled_pipeline)])
    runner = Runner(
        model=dict(type=FPDDistiller, teacher_cfg=hourglass(3, 16), student=hourglass(2, 8, mobile=True),
                   teacher_ckpt=str(tmp_path / 'teacher.pth')),
        work_dir=str(tmp_path / 'work'),
        # 5 labelled persons + 3 unlabeled images in order: every batch of 4 at positions 4-7 mixes both kinds
        train_dataloader=dict(batch_size=4, num_workers=0, dataset=dataset,
                              sampler=dict(type=DefaultSampler, shuffle=False)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type=Adam, lr=1e-3)),
        default_scope='mmpose', default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)))
    recorder = BatchRecorder()
    runner.register_hook(recorder)
    runner.train()
    assert recorder.labeled == [[True] * 4, [True, False, False, False]]
    assert all(np.isfinite(v) for losses in recorder.losses for v in losses.values())
    assert not runner.model.teacher.training
    for a, b in zip(runner.model.teacher.state_dict().values(), source.teacher.state_dict().values()):
        assert torch.equal(a, b)  # loaded by init_weights, untouched by training
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
