"""PoseFix input files from ground truth: one result per person, near the ground truth but with errors,
reproducible per seed, and accepted by PoseFixCocoDataset; the converter tool writes them."""
from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_ext.datasets import PoseFixCocoDataset
from mmpose_ext.datasets.common import mmpose_metainfo
from mmpose_ext.datasets.posefix_inputs import ground_truth_with_errors


def test_ground_truth_with_errors(data_dir: Path):
    ann_file = data_dir / 'coco' / 'test_coco.json'
    data = json.loads(ann_file.read_text())
    persons = [a for a in data['annotations'] if a['num_keypoints'] > 0]
    images = {image['id']: image for image in data['images']}
    results = ground_truth_with_errors(str(ann_file), seed=0)
    assert len(results) == len(persons) == 12
    assert results == ground_truth_with_errors(str(ann_file), seed=0)
    assert results != ground_truth_with_errors(str(ann_file), seed=1)

    sigmas = np.asarray(parse_pose_metainfo(mmpose_metainfo('coco.py'))['sigmas'])
    terms = []
    for person, result in zip(persons, results):
        assert result['image_id'] == person['image_id'] and result['category_id'] == 1
        image = images[person['image_id']]
        x, y, w, h = person['bbox']  # the box mmpose trains with: clipped to the image
        x1, y1 = np.clip([x, y], 0, [image['width'] - 1, image['height'] - 1])
        x2, y2 = np.clip([x + w, y + h], 0, [image['width'] - 1, image['height'] - 1])
        np.testing.assert_allclose(result['bbox'], [x1, y1, x2 - x1, y2 - y1], atol=1e-3)
        gt = np.array(person['keypoints'], float).reshape(-1, 3)
        pred = np.array(result['keypoints'], float).reshape(-1, 3)
        assert np.isfinite(pred).all() and (pred[:, 2] == 1).all()
        box_area = result['bbox'][2] * result['bbox'][3]
        d2 = ((pred[:, :2] - gt[:, :2]) ** 2).sum(1)
        terms += list(np.exp(-d2 / (2 * box_area * (2 * sigmas) ** 2))[gt[:, 2] > 0])
    # most joints are good or jittered (OKS term >= 0.5), some are misses, inversions or swaps
    terms = np.array(terms)
    assert 0.6 < (terms >= 0.5).mean() < 0.98
    assert (terms >= 0.85).mean() > 0.4


def test_converter_writes_a_file_the_training_dataset_accepts(data_dir: Path, tmp_path: Path, capsys, monkeypatch):
    out = tmp_path / 'posefix' / 'estimated.json'
    tool = Path(__file__).resolve().parents[2] / 'tools' / 'dataset_converters' / 'make_posefix_inputs.py'
    monkeypatch.setattr(sys, 'argv', [str(tool), str(data_dir / 'crowdpose' / 'test_crowdpose.json'), str(out),
                                      '--layout', 'crowdpose', '--seed', '3'])
    runpy.run_path(str(tool), run_name='__main__')
    assert '4 results' in capsys.readouterr().out
    results = json.loads(out.read_text())
    assert len(results) == 4 and all(len(r['keypoints']) == 42 for r in results)
    dataset = PoseFixCocoDataset(data_root=str(data_dir / 'crowdpose'), ann_file='test_crowdpose.json',
                                 data_prefix=dict(img=''), metainfo=mmpose_metainfo('crowdpose.py'),
                                 estimated_results_file=str(out))
    assert len(dataset) == 4
