"""PoseTrack18 datasets on hand-built sequences: the official-file dataset (metainfo, checks, unlabelled frames), the
PoseFix training wrapper (ears never synthesised) and the synthetic PoseTrack-layout generator."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmpose.codecs import RegressionLabel
from mmpose.datasets import GetBBoxCenterScale, LoadImage, TopdownAffine
from posetrack_fixture import NAMES, build_gt, gt_as_results, merged

from mmpose_ext.datasets import PoseFixPoseTrack18Dataset, PoseTrack18OfficialDataset
from mmpose_ext.datasets.common import AnnotationError
from mmpose_ext.datasets.synthetic.posetrack_writer import generate_synthetic_posetrack
from mmpose_ext.datasets.transforms import SynthesizePoseErrors
from mmpose_ext.evaluation.metrics.posetrack18_ap import evaluate_frames
from mmpose_ext.evaluation.metrics.posetrack18_files import PoseTrackGroundTruth

EARS = [NAMES.index('left_ear'), NAMES.index('right_ear')]


def write_set(root: Path, files=None) -> Path:
    files = files or build_gt()
    data = merged(files)
    for img in data['images']:
        path = root / img['file_name']
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), np.full((img['height'], img['width'], 3), 100, np.uint8))
    ann_file = root / 'posetrack18_val.json'
    ann_file.write_text(json.dumps(data))
    return ann_file


def test_official_dataset_metainfo_checks_and_unlabelled_frames(tmp_path):
    ann_file = write_set(tmp_path)
    ds = PoseTrack18OfficialDataset(ann_file=str(ann_file), data_prefix=dict(img=str(tmp_path) + '/'),
                                    test_mode=True)
    assert len(ds) == 5  # ground-truth boxes: the 5 persons of the labelled frames
    meta = ds.metainfo
    assert meta['num_keypoints'] == 17 and list(meta['flip_indices'][:5]) == [0, 1, 2, 3, 4]  # ears unswapped
    assert meta['sigmas'][3] == meta['sigmas'][4] == 0 and meta['sigmas'][1] == pytest.approx(0.035)
    dets = [dict(image_id=i, category_id=1, bbox=[10, 10, 50, 100], score=0.9) for i in (10010000, 10010001)]
    (tmp_path / 'dets.json').write_text(json.dumps(dets))
    ds = PoseTrack18OfficialDataset(ann_file=str(ann_file), data_prefix=dict(img=str(tmp_path) + '/'),
                                    test_mode=True, bbox_file=str(tmp_path / 'dets.json'))
    assert [ds.get_data_info(i)['img_id'] for i in range(len(ds))] == [10010000]  # 10010001 is unlabelled


@pytest.mark.parametrize('edit, message', [
    (lambda f: f[0]['annotations'][0].update(bbox_head=[50, 30, 0, 0]), r'annotations\[0\] .* zero-size head box'),
    (lambda f: f[1]['images'].reverse(), r'000002_mpii_test has its frames out of order'),
    (lambda f: f[0]['annotations'][2].update(keypoints=f[0]['annotations'][2]['keypoints'][:48]),
     r'annotations\[2\] .*has 48 keypoint values'),
])
def test_official_dataset_refuses_bad_files_by_entry(tmp_path, edit, message):
    files = build_gt()
    edit(files)
    ann_file = write_set(tmp_path, files)
    with pytest.raises(AnnotationError, match=message):
        PoseTrack18OfficialDataset(ann_file=str(ann_file), data_prefix=dict(img=str(tmp_path) + '/'),
                                   test_mode=True)


def test_posefix_training_never_synthesises_the_ears(tmp_path):
    ann_file = write_set(tmp_path)
    estimated = gt_as_results()
    for r in estimated:
        r['keypoints'][9:15] = [30.0, 30.0, 1.0, 40.0, 30.0, 1.0]  # an estimator that does put ears somewhere
    (tmp_path / 'estimated.json').write_text(json.dumps(estimated))
    codec = dict(type=RegressionLabel, input_size=(96, 128))
    ds = PoseFixPoseTrack18Dataset(ann_file=str(ann_file), data_prefix=dict(img=str(tmp_path) + '/'),
                                   estimated_results_file=str(tmp_path / 'estimated.json'),
                                   pipeline=[dict(type=LoadImage), dict(type=GetBBoxCenterScale),
                                             dict(type=TopdownAffine, input_size=codec['input_size']),
                                             dict(type=SynthesizePoseErrors, seed=0,
                                                  joint_kinds=dict(head_bottom='eye', head_top='eye'))])
    assert len(ds) == 5
    for i in range(len(ds)):
        sample = ds[i]
        visible = sample['input_keypoints_visible'][0]
        assert visible[EARS].tolist() == [0, 0] and visible.sum() == 15
        assert (sample['input_error_types'][EARS] == -1).all()


def test_synthetic_posetrack_set_is_valid_posetrack18(tmp_path):
    out = generate_synthetic_posetrack(str(tmp_path), 3, split='val', seed=0, num_frames=3, labeled_every=2,
                                       ignore_prob=1.0)
    data = json.loads(Path(out['ann_file']).read_text())
    labelled = {img['id'] for img in data['images'] if img['is_labeled']}
    assert len(data['images']) == 9 and len(labelled) == 6
    assert {a['image_id'] for a in data['annotations']} <= labelled
    assert all(a['keypoints'][9:15] == [0] * 6 for a in data['annotations'])  # ears never labelled
    assert all(cv2.imread(str(tmp_path / img['file_name'])) is not None for img in data['images'])
    for path in (out['ann_file'], out['gt_folder']):  # both layouts read back; ground truth scores 100
        gt = PoseTrackGroundTruth(path)
        metrics = evaluate_frames(gt.frames(gt.predictions_from_results(
            [dict(image_id=a['image_id'], keypoints=a['keypoints'], score=1.0) for a in data['annotations']],
            'gt.json')))
        assert metrics['AP'] == 100.0 and metrics['num_frames'] == 6


def test_posefix_results_crop_and_input_leave_the_ears_out(tmp_path):
    from mmpose_ext.datasets import PoseFixPoseTrack18ResultsDataset
    from mmpose_ext.datasets.transforms import SetInputPose
    ann_file = write_set(tmp_path)
    results = gt_as_results()
    for r in results:
        r['keypoints'][9:15] = [0.0, 0.0, 0.5, 0.0, 0.0, 0.5]  # ears at the origin, as estimators often put them
    (tmp_path / 'input.json').write_text(json.dumps(results))
    ds = PoseFixPoseTrack18ResultsDataset(
        ann_file=str(ann_file), results_file=str(tmp_path / 'input.json'), data_prefix=dict(img=str(tmp_path) + '/'),
        pipeline=[dict(type=LoadImage), dict(type=GetBBoxCenterScale), dict(type=TopdownAffine, input_size=(96, 128)),
                  dict(type=SetInputPose)])
    info = ds.get_data_info(0)
    x1, y1, x2, y2 = info['bbox'][0]
    assert x1 > 0 and y1 > 0  # the extent of the 15 labelled joints (person at (60, 40)), not of the ears at 0, 0
    assert info['raw_ann_info']['input_keypoint_scores'][5] == 1.0
    sample = ds[0]
    assert sample['input_keypoints_visible'][0][EARS].tolist() == [0, 0]
    assert sample['input_keypoints_visible'][0].sum() == 15
