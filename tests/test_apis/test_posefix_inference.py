"""``inference_posefix`` refines poses in Python exactly as the PoseFix test set does from a results file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.apis import init_model
from mmpose.registry import DATASETS, MODELS

from mmpose_ext.apis import inference_posefix
from mmpose_ext.tools.generate_synthetic_crowd import main as generate

ROOT = Path(__file__).resolve().parents[2]
POSEFIX = 'configs/posefix/posefix_r18_synthcrowd-128x96.py'


def test_python_refinement_equals_the_results_file_route(tmp_path: Path):
    data = tmp_path / 'set'
    generate([str(data), '--num-train', '1', '--num-val', '1', '--image-size', '96', '96', '--layout', 'coco',
              '--no-progress'])
    gt = json.loads((data / 'annotations' / 'coco_val.json').read_text())
    ann = gt['annotations'][0]
    pose = np.asarray(ann['keypoints'], dtype=np.float32).reshape(-1, 3)
    pose[:, :2] += np.random.default_rng(0).normal(0, 2, (len(pose), 2)).astype(np.float32)
    entry = dict(image_id=ann['image_id'], category_id=1, keypoints=pose.reshape(-1).tolist(), score=0.9)

    cfg = Config.fromfile(str(ROOT / POSEFIX))
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = tmp_path / 'posefix.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    model = init_model(str(ROOT / POSEFIX), str(checkpoint), device='cpu')

    image = data / 'images' / 'val' / gt['images'][0]['file_name']
    refined = inference_posefix(model, str(image), pose[None])
    assert len(refined) == 1 and refined[0].pred_instances.keypoints.shape == (1, 17, 2)

    dataset_cfg = dict(cfg.test_dataloader.dataset, data_root=str(data) + '/', results=[entry], results_file=None,
                       ann_file='annotations/coco_val.json', data_prefix=dict(img='images/val/'))
    dataset = DATASETS.build(dataset_cfg)
    expected = model.test_step(pseudo_collate([dataset[0]]))[0]
    np.testing.assert_allclose(refined[0].pred_instances.keypoints, expected.pred_instances.keypoints, atol=1e-4)

    with pytest.raises(ValueError, match=r'keypoints must be finite \(N, 17, 2\|3\)'):
        inference_posefix(model, str(image), pose[None, :16])
