"""FPDDistiller with teachers of other families than the student: an HRNet teaching a mobile hourglass at another
heatmap resolution, a teacher fed another input size, MIPNet's instance 0 teaching a plain top-down HRNet; teacher
maps land where the student's codec puts the same image point; different keypoint layouts are refused."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpose.codecs import MSRAHeatmap, UDPHeatmap
from mmpose.models import HeatmapHead, HRNet, KeypointMSELoss, PoseDataPreprocessor, TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.testing import get_packed_inputs
from torch.optim import Adam

from mmpose_ext.datasets.common.metainfo import mmpose_metainfo
from mmpose_ext.models import (FPDDistiller, MIPNetEstimator, MIPNetHRNet, MultiInstanceHeatmapHead,
                               MultiStackHeatmapHead, StackedHourglass)
from mmpose_ext.models.distillers.teacher_alignment import resize_teacher_heatmaps

CONFIGS = Path(__file__).resolve().parents[3] / 'configs' / 'hourglass_fpd'
K = 17
PRE = dict(type=PoseDataPreprocessor, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True)
TINY_HRNET = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ), num_channels=(8, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1), num_channels=(8, 16)),
    stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1), num_channels=(8, 16, 32)),
    stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1), num_channels=(8, 16, 32, 64)))


def codec(input_size=64, heatmap=16) -> dict:
    return dict(type=MSRAHeatmap, input_size=(input_size, input_size), heatmap_size=(heatmap, heatmap), sigma=2)


def hrnet(deconv: bool = False, joints: int = K, input_size: int = 64) -> dict:
    """A tiny HRNet; with ``deconv`` its head upsamples once (heatmaps at 1/2 of the input, not 1/4)."""
    head = dict(type=HeatmapHead, in_channels=8, out_channels=joints, loss=dict(type=KeypointMSELoss),
                decoder=codec(input_size, input_size // (2 if deconv else 4)))
    head.update(deconv_out_channels=(8, ), deconv_kernel_sizes=(4, )) if deconv else head.update(
        deconv_out_channels=None)
    return dict(type=TopdownPoseEstimator, data_preprocessor=PRE, backbone=dict(type=HRNet, extra=TINY_HRNET),
                head=head)


def mobile_hourglass(joints: int = K) -> dict:
    return dict(type=TopdownPoseEstimator, data_preprocessor=PRE,
                backbone=dict(type=StackedHourglass, num_stacks=2, channels=16, depth=2, out_channels=joints,
                              mobile=True),
                head=dict(type=MultiStackHeatmapHead, num_stacks=2, out_channels=joints, decoder=codec()))


def mipnet() -> dict:
    return dict(type=MIPNetEstimator, data_preprocessor=PRE,
                backbone=dict(type=MIPNetHRNet, extra=TINY_HRNET, num_instances=2),
                head=dict(type=MultiInstanceHeatmapHead, num_instances=2, in_channels=8, out_channels=K,
                          deconv_out_channels=None, decoder=codec()))


def build(teacher: dict, student: dict, **kwargs) -> FPDDistiller:
    torch.manual_seed(0)
    return MODELS.build(dict(type=FPDDistiller, teacher_cfg=teacher, student=student, **kwargs))


def data(model: FPDDistiller, batch_size: int = 2) -> dict:
    packed = get_packed_inputs(batch_size=batch_size, num_keypoints=K, img_shape=(64, 64), input_size=(64, 64),
                               heatmap_size=(16, 16), with_heatmap=True, with_reg_label=False,
                               with_simcc_label=False)
    return model.data_preprocessor(packed, training=True)


def bilinear_matrix(positions: np.ndarray, size: int) -> torch.Tensor:
    """(len(positions), size) weights of linear interpolation at the given source positions."""
    weights = np.zeros((len(positions), size))
    for row, p in enumerate(positions):
        lo = int(np.floor(p))
        weights[row, lo], weights[row, min(lo + 1, size - 1)] = 1 - (p - lo), p - lo
    return torch.tensor(weights, dtype=torch.float32)


def test_hrnet_teaches_a_mobile_hourglass_at_another_heatmap_resolution():
    model = build(hrnet(deconv=True), mobile_hourglass())
    batch = data(model)
    with torch.no_grad():
        teacher_maps = model.teacher._forward(batch['inputs'])
    assert teacher_maps.shape[-2:] == (32, 32)
    # student pixel j is image point 4j, teacher pixel 2j (both MSRA codecs): every other teacher pixel
    torch.testing.assert_close(model.teacher_heatmaps(batch['inputs'], (16, 16)), teacher_maps[..., ::2, ::2])
    optim = build_optim_wrapper(model, dict(optimizer=dict(type=Adam, lr=1e-3)))
    teacher_before = [p.clone() for p in model.teacher.parameters()]
    student_before = [p.clone() for p in model.student.parameters()]
    model.train()
    losses = model.train_step(copy.deepcopy(batch), optim)
    assert torch.isfinite(losses['loss_kd']) and losses['loss_kd'] > 0
    assert all(torch.equal(a, b) for a, b in zip(teacher_before, model.teacher.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(student_before, model.student.parameters()))


def test_teacher_fed_its_own_input_size():
    model = build(hrnet(input_size=128), mobile_hourglass(), teacher_input_size=(128, 128))
    seen = []
    model.teacher.backbone.register_forward_hook(lambda module, args, out: seen.append(args[0].shape[-2:]))
    batch = data(model)
    maps = model.teacher_heatmaps(batch['inputs'], (16, 16))
    assert seen == [(128, 128)] and maps.shape == (2, K, 16, 16)
    with torch.no_grad():
        teacher_maps = model.teacher._forward(torch.nn.functional.interpolate(
            batch['inputs'], size=(128, 128), mode='bilinear', align_corners=False))
    # student pixel j: image point 4j of the 64 input = point 8j + 0.5 of the 128 input = teacher pixel 2j + 1/8
    weights = bilinear_matrix(2 * np.arange(16) + 0.125, 32)
    torch.testing.assert_close(maps, weights @ teacher_maps @ weights.T, rtol=1e-4, atol=1e-5)


def test_mipnet_instance_0_teaches_a_plain_topdown_student():
    model = build(mipnet(), hrnet())
    batch = data(model)
    with torch.no_grad():
        rows = model.teacher._forward(batch['inputs'])  # instance-major: row k * B + b
    assert rows.shape[0] == 4
    torch.testing.assert_close(model.teacher_heatmaps(batch['inputs'], (16, 16)), rows[:2])
    model.teacher_instance = 1
    torch.testing.assert_close(model.teacher_heatmaps(batch['inputs'], (16, 16)), rows[2:])
    model.train()
    losses = model(**batch, mode='loss')
    assert torch.isfinite(losses['loss_gt'] + losses['loss_kd'])
    with pytest.raises(ValueError, match='teacher_instance=2, but the teacher .* predicts 2 instances'):
        build(mipnet(), hrnet(), teacher_instance=2)(**batch, mode='loss')


@pytest.mark.parametrize('teacher_codec,teacher_size', [(MSRAHeatmap, 64), (UDPHeatmap, 64), (MSRAHeatmap, 16)])
def test_a_teacher_peak_decodes_to_the_same_image_point_on_the_student_grid(teacher_codec, teacher_size):
    point = np.array([[[40.0, 24.0]]])  # image pixels of a 128x128 input
    teacher = teacher_codec(input_size=(128, 128), heatmap_size=(teacher_size, teacher_size), sigma=2)
    maps = torch.from_numpy(teacher.encode(point, np.ones((1, 1)))['heatmaps'])[None]
    resized = resize_teacher_heatmaps(maps, (32, 32), (128, 128), (128, 128), student_udp=False,
                                      teacher_udp=teacher_codec is UDPHeatmap)
    # DARK decoding (sub-pixel), so that the check is not limited by the quarter-pixel steps of plain decoding
    student = MSRAHeatmap(input_size=(128, 128), heatmap_size=(32, 32), sigma=2, unbiased=True)
    decoded, _ = student.decode(resized[0].numpy())
    np.testing.assert_allclose(decoded[0, 0], point[0, 0], atol=0.5)


def test_bf16_autocast_gives_float32_losses():
    model = build(hrnet(deconv=True), mobile_hourglass())
    model.train()
    batch = data(model)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model(**batch, mode='loss')
    assert losses['loss_kd'].dtype == torch.float32 and torch.isfinite(losses['loss_kd'])


def _coco_metainfo(swap_eyes: bool = True) -> dict:
    meta = Config.fromfile(mmpose_metainfo('coco.py')['from_file']).dataset_info.to_dict()
    if not swap_eyes:
        for info in meta['keypoint_info'].values():
            if info['name'] in ('left_eye', 'right_eye'):
                info['swap'] = ''
    return meta


def test_different_keypoint_layouts_are_refused():
    with pytest.raises(ValueError, match=r'predicts 16 keypoint heatmaps, the student 17'):
        build(hrnet(joints=16), mobile_hourglass())
    with pytest.raises(ValueError, match=r'different keypoint layouts \(17 keypoints vs 16\)'):
        MODELS.build(dict(type=FPDDistiller, teacher_cfg=f'{CONFIGS}/td-hm_hrnet-lite_synthcrowd-128x128.py',
                          student_cfg=f'{CONFIGS}/td-hm_hourglass-s2-b1-mobile_mpii-256x256.py'))
    teacher = dict(hrnet(), metainfo=_coco_metainfo())
    with pytest.raises(ValueError, match=r'flip indices \[0, 2, 1, .*\] vs \[0, 1, 2, '):
        build(teacher, dict(mobile_hourglass(), metainfo=_coco_metainfo(swap_eyes=False)))
    build(teacher, dict(mobile_hourglass(), metainfo=_coco_metainfo()))  # the same layout is accepted
