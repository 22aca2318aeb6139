"""tools/posefix_refine.py on a PoseTrack18-layout and an MPII-layout results file (tiny untrained PoseFix): the
before/after tables come from the layout's own metric, and bad inputs stop the run with one line naming the entry."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from posefix_fixture import tiny_posefix
from posetrack_fixture import build_gt, gt_as_results, write_gt

from mmpose_ext.datasets.common import AnnotationError
from mmpose_ext.evaluation.metrics import MpiiPCKhMetric
from mmpose_ext.evaluation.metrics.posetrack18_ap import evaluate_frames
from mmpose_ext.evaluation.metrics.posetrack18_files import PoseTrackGroundTruth
from mmpose_ext.tools.mpii_to_coco import main as mpii_to_coco
from mmpose_ext.tools.posefix_refine import main as refine_main

ROOT = Path(__file__).resolve().parents[2]
MPII = ROOT / 'tests' / 'data' / 'mpii'


def tiny_config(tmp_path: Path, gt_file: Path, img_prefix: str, num_keypoints: int, dataset: str,
                metric: str) -> tuple:
    """A tiny PoseFix config for the layout and an untrained checkpoint: ``(config, checkpoint)``."""
    return tiny_posefix(tmp_path, gt_file, img_prefix, num_keypoints, dataset, metric, flip_test=False, width=16,
                        batch_size=8)


@pytest.fixture
def posetrack(tmp_path):
    files = build_gt()
    paths = write_gt(tmp_path, files)
    for f in files:
        for img in f['images']:
            path = tmp_path / img['file_name']
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), np.full((img['height'], img['width'], 3), 128, np.uint8))
    inputs = gt_as_results(files)
    rng = np.random.default_rng(0)
    for r in inputs:  # a weak estimator: joints 0-8 px off, joint scores in [0.2, 1]
        kpts = np.asarray(r['keypoints']).reshape(-1, 3)
        kpts[:, :2] += np.where(kpts[:, 2:] > 0, rng.uniform(-8, 8, (17, 2)), 0)
        r['keypoints'] = kpts.reshape(-1).round(2).tolist()
        r['scores'] = np.where(kpts[:, 2] > 0, rng.uniform(0.2, 1, 17), 0).round(3).tolist()
    config, checkpoint = tiny_config(tmp_path, paths['merged'], str(tmp_path) + '/', 17,
                                     'PoseFixPoseTrack18ResultsDataset', 'PoseFixPoseTrack18Metric')
    return dict(root=tmp_path, gt=paths, inputs=inputs, config=config, checkpoint=checkpoint)


def refine(case, inputs, name='input.json'):
    path = case['root'] / name
    path.write_text(json.dumps(inputs))
    out = case['root'] / 'refined.json'
    metrics = refine_main([str(case['config']), str(case['checkpoint']), '--input', str(path), '--out', str(out),
                           '--work-dir', str(case['root'] / 'work'), '--batch-size', '8'])
    return metrics, json.loads(out.read_text())


def test_refine_posetrack_results_with_poseval_ap_before_and_after(posetrack, capsys):
    metrics, refined = refine(posetrack, posetrack['inputs'])
    assert len(refined) == len(posetrack['inputs'])
    for entry, source in zip(refined, posetrack['inputs']):
        assert entry['image_id'] == source['image_id'] and entry['score'] == source['score']
        assert entry['keypoints'][2::3] == pytest.approx(source['scores'], abs=1e-6)  # the input's joint scores
    gt = PoseTrackGroundTruth(str(posetrack['gt']['folder']))
    direct = evaluate_frames(gt.frames(gt.predictions_from_results(posetrack['inputs'], 'input.json')))
    for key in ('Head AP', 'Wri AP', 'AP'):  # "before" = the input file as poseval scores it
        assert metrics[f'input/{key}'] == pytest.approx(direct[key], abs=1e-9)
    assert 0 <= metrics['refined/AP'] <= 100
    text = capsys.readouterr().out
    assert 'PoseTrack mAP (as poseval) of' in text and 'Head AP' in text


@pytest.mark.parametrize('break_it, message', [
    (lambda r: r[0].update(keypoints=r[0]['keypoints'][:48]), r'entry \[0\] \(image_id 10010000\) has 48 keypoint '
                                                              r'values, expected 51'),
    (lambda r: r[1]['keypoints'].__setitem__(3, float('inf')), r'entry \[1\] \(image_id 10010000\) has non-finite'),
    (lambda r: r.pop(), r'has no result for sequence 000002_mpii_test'),
])
def test_refine_refuses_bad_posetrack_input_by_entry(posetrack, break_it, message):
    inputs = posetrack['inputs']
    break_it(inputs)
    if message.startswith('has no'):
        inputs[:] = [r for r in inputs if r['image_id'] < 10020000]
    with pytest.raises(AnnotationError, match=message):
        refine(posetrack, inputs)


def test_refine_mpii_results_with_pckh_before_and_after(tmp_path):
    coco = tmp_path / 'mpii_val_coco.json'
    mpii_to_coco([str(MPII / 'test_mpii.json'), str(coco), '--img-dir', str(MPII),
                  '--headbox-file', str(MPII / 'mpii_gt_val_sample5.mat')])
    gt = json.loads(coco.read_text())
    assert len(gt['annotations']) == 5 and all(len(a['bbox_head']) == 4 for a in gt['annotations'])
    inputs, shifted, sizes = [], [], []
    for ann in gt['annotations']:
        kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        kpts[:, :2] += 6.0
        inputs.append(dict(image_id=ann['image_id'], category_id=1, keypoints=kpts.reshape(-1).tolist(), score=0.9))
        shifted.append(kpts[:, :2])
        sizes.append(0.6 * np.hypot(*ann['bbox_head'][2:]))
    config, checkpoint = tiny_config(tmp_path, coco, str(MPII) + '/', 16, 'PoseFixMpiiResultsDataset',
                                     'PoseFixMpiiPCKhMetric')
    case = dict(root=tmp_path, config=config, checkpoint=checkpoint)
    metrics, refined = refine(case, inputs)
    assert len(refined) == 5 and all(len(e['keypoints']) == 48 for e in refined)
    gt_kpts = np.stack([np.asarray(a['keypoints']).reshape(-1, 3) for a in gt['annotations']])
    expected = MpiiPCKhMetric().evaluate_arrays(np.stack(shifted), gt_kpts[..., :2], gt_kpts[..., 2] > 0,
                                                np.array(sizes))
    assert metrics['input/Mean'] == pytest.approx(expected['Mean'], abs=1e-9)
    assert metrics['input/persons_without_pose'] == 0
    assert {'refined/Head', 'refined/Mean', 'refined/Mean@0.1'} <= set(metrics)
    inputs[2]['keypoints'] = inputs[2]['keypoints'] + [1.0, 1.0, 1.0]  # 17 joints: another layout
    with pytest.raises(AnnotationError, match=r'entry \[2\] \(image_id \d+\) has 51 keypoint values, expected 48'):
        refine(case, inputs)


def test_shipped_posetrack_config_refines_a_synthetic_set_with_data_root(tmp_path):
    """The learning-check config end to end on a 2-sequence synthetic set moved with --data-root (random weights)."""
    from mmpose_ext.datasets.posefix_inputs import ground_truth_with_errors
    from mmpose_ext.datasets.posefix_posetrack18_dataset import POSETRACK18_IGNORED
    from mmpose_ext.datasets.posetrack18_metainfo import POSETRACK18_METAINFO
    from mmpose_ext.datasets.synthetic.posetrack_writer import generate_synthetic_posetrack
    out = generate_synthetic_posetrack(str(tmp_path / 'set'), 2, split='val', seed=3, num_frames=2, labeled_every=1)
    inputs = ground_truth_with_errors(out['ann_file'], POSETRACK18_METAINFO, seed=1, ignored=POSETRACK18_IGNORED,
                                      random_joint_scores=True)
    assert all(r['keypoints'][9:15] == [0.0] * 6 and len(r['scores']) == 17 for r in inputs)
    (tmp_path / 'input.json').write_text(json.dumps(inputs))
    config = ROOT / 'configs' / 'posefix' / 'posefix_r18_synthposetrack-128x96.py'
    cfg = Config.fromfile(str(config))
    init_default_scope('mmpose')
    torch.manual_seed(0)
    checkpoint = tmp_path / 'random.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta=dict()), checkpoint)
    metrics = refine_main([str(config), str(checkpoint), '--input', str(tmp_path / 'input.json'),
                           '--out', str(tmp_path / 'refined.json'), '--data-root', str(tmp_path / 'set'),
                           '--work-dir', str(tmp_path / 'work'), '--cfg-options', 'test_dataloader.num_workers=0',
                           'test_dataloader.persistent_workers=False',
                           'test_evaluator.nms_mode=none', f'test_evaluator.gt_path={out["gt_folder"]}'])
    gt = PoseTrackGroundTruth(out['gt_folder'])
    direct = evaluate_frames(gt.frames(gt.predictions_from_results(inputs, 'input.json')))
    assert metrics['input/AP'] == pytest.approx(direct['AP'], abs=1e-9) and 0 < direct['AP'] < 100
    assert len(json.loads((tmp_path / 'refined.json').read_text())) == len(inputs)
