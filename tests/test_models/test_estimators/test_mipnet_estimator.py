"""MIPNet estimator + head: N poses per box with the secondary score decay; training uses each instance's target."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS
from mmpose.testing import get_packed_inputs

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / 'configs' / 'mipnet' / 'td-hm_mipnet-lite_synthcrowd-128x96.py'


@pytest.fixture(scope='module')
def model():
    cfg = Config.fromfile(str(CONFIG))
    torch.manual_seed(0)
    net = MODELS.build(cfg.model)
    net.init_weights()
    return net


def _batch(batch_size: int, num_instances: int = 2):
    packed = get_packed_inputs(batch_size=batch_size, num_keypoints=17, img_shape=(128, 96), input_size=(96, 128),
                               heatmap_size=(24, 32), with_heatmap=True, with_reg_label=False,
                               with_simcc_label=False)
    for sample in packed['data_samples']:
        sample.gt_instances.bbox_scores = np.array([0.8], dtype=np.float32)
    return packed


def test_predict_returns_n_poses_per_box_with_decayed_secondary_score(model):
    model.eval()
    data = model.data_preprocessor(_batch(3), training=False)
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert len(results) == 3
    for sample in results:
        pred = sample.pred_instances
        assert pred.keypoints.shape == (2, 17, 2) and pred.keypoint_scores.shape == (2, 17)
        assert list(pred.instance_ids) == [0, 1]
        np.testing.assert_allclose(pred.bbox_scores, [0.8, 0.4])
        np.testing.assert_allclose(pred.bboxes, np.repeat(sample.gt_instances.bboxes[:1], 2, axis=0))


def test_secondary_score_factor_is_configurable(model):
    model.eval()
    model.test_cfg['secondary_score_factor'] = 0.25
    try:
        data = model.data_preprocessor(_batch(1), training=False)
        with torch.no_grad():
            (sample, ) = model(**data, mode='predict')
        np.testing.assert_allclose(sample.pred_instances.bbox_scores, [0.8, 0.2])
    finally:
        model.test_cfg['secondary_score_factor'] = 0.5


def test_each_instance_is_supervised_by_its_own_target(model):
    """The loss of instance k must use target k: perturbing only the secondary target changes only the
    secondary rows' contribution."""
    model.train()
    head = model.head
    feats = model.extract_feat(torch.randn(2, 3, 128, 96))
    pred = head.forward(feats).detach()                                   # (N * B, K, H, W), instance-major
    batch = _batch(2)['data_samples']
    for b, sample in enumerate(batch):
        # target = the prediction itself for instance 0, zeros for instance 1
        sample.gt_fields.heatmaps = torch.cat([pred[b], torch.zeros_like(pred[b])])
        sample.gt_instance_labels.keypoint_weights = torch.cat([torch.ones(1, 17), torch.zeros(1, 17)], dim=1)
    loss_primary_exact = head.loss(feats, batch)['loss_kpt']
    assert loss_primary_exact.item() == pytest.approx(0.0, abs=1e-12)
    for sample in batch:
        sample.gt_instance_labels.keypoint_weights = torch.cat([torch.zeros(1, 17), torch.ones(1, 17)], dim=1)
    expected = torch.nn.functional.mse_loss(pred[2:], torch.zeros_like(pred[2:])) * 0.5  # half the rows weighted
    assert head.loss(feats, batch)['loss_kpt'].item() == pytest.approx(expected.item(), rel=1e-5)


def test_mismatched_targets_are_reported(model):
    model.train()
    feats = model.extract_feat(torch.randn(1, 3, 128, 96))
    (sample, ) = _batch(1)['data_samples']          # single-instance target (17 channels) for an N=2 head
    with pytest.raises(ValueError, match='GenerateMultiInstanceTarget'):
        model.head.loss(feats, [sample])


def test_coco_config_trains_on_the_real_sample(data_dir):
    """The W32 COCO recipe's real pipeline (half body, affine, two targets per crop) feeds its model."""
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(str(ROOT / 'configs' / 'mipnet' / 'td-hm_mipnet-w32_coco-256x192.py'))
    inner = cfg.train_dataloader.dataset.dataset
    inner.update(data_root=str(data_dir / 'coco'), ann_file='test_coco.json', data_prefix=dict(img=''))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == 12
    torch.manual_seed(0)
    net = MODELS.build(cfg.model)
    net.train()
    data = net.data_preprocessor(pseudo_collate([dataset[i] for i in range(2)]), training=True)
    losses = net(**data, mode='loss')
    assert torch.isfinite(losses['loss_kpt']) and losses['loss_kpt'] > 0
    losses['loss_kpt'].backward()
    assert all(p.grad is not None for p in net.backbone.mimb.parameters())
