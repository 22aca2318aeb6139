"""PoseTrack18 mAP (poseval's evaluateAP rules, our code) on hand-built sequences with known answers."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mmpose_ext.datasets.common import AnnotationError
from mmpose_ext.evaluation.metrics.posetrack18_ap import (POSEVAL_JOINTS, evaluate_frames, greedy_assignment,
                                                          points_in_polygon)
from mmpose_ext.evaluation.metrics.posetrack18_files import PoseTrackGroundTruth

from posetrack_fixture import NAMES, build_gt, gt_as_results, person, write_gt

SUMMARY = ['Head AP', 'Shou AP', 'Elb AP', 'Wri AP', 'Hip AP', 'Knee AP', 'Ankl AP', 'AP']
LEFT_WRIST = NAMES.index('left_wrist')


def score(gt_path, results, **kwargs):
    gt = PoseTrackGroundTruth(str(gt_path))
    return evaluate_frames(gt.frames(gt.predictions_from_results(results, 'results.json', **kwargs)))


def with_scores(results, scores):
    for r, s in zip(results, scores):
        r['scores'] = [s] * len(NAMES)
        r['score'] = s
    return results


@pytest.fixture
def gt_files(tmp_path):
    return write_gt(tmp_path)


@pytest.mark.parametrize('which', ['folder', 'merged'])
def test_ground_truth_as_predictions_scores_100(gt_files, which):
    results = gt_as_results()
    # a pose on an unlabelled frame (10010001) is not scored: poseval drops frames without ground truth
    results.append(dict(image_id=10010001, category_id=1, keypoints=person(10, 10), score=1.0))
    metrics = score(gt_files[which], results)
    assert [metrics[k] for k in SUMMARY] == [100.0] * 8
    assert metrics['num_frames'] == 4 and metrics['num_gt_joints'] == 5 * 15


@pytest.mark.parametrize('shift, moved, expected', [
    (8.0, 0, 64.0),    # 8 / 15 > 0.5: wrong, and ranked first -> precision 0 at the top: AP 0.2 * 0.8 * 4
    (8.0, 4, 80.0),    # the same error on the lowest-scored pose: recall 0.8 at precision 1
    (7.5, 0, 100.0),   # exactly at the threshold counts (<=)
    (7.0, 0, 100.0),
])
def test_one_joint_moved_and_score_ordering(gt_files, shift, moved, expected):
    results = with_scores(gt_as_results(), [0.9, 0.8, 0.7, 0.6, 0.5])
    results[moved]['keypoints'][3 * LEFT_WRIST] += shift
    metrics = score(gt_files['folder'], results)
    assert metrics['AP left_wrist'] == pytest.approx(expected, abs=1e-9)
    assert metrics['AP right_wrist'] == 100.0
    assert metrics['Wri AP'] == pytest.approx((expected + 100) / 2, abs=1e-9)
    assert metrics['AP'] == pytest.approx((14 * 100 + expected) / 15, abs=1e-9)


@pytest.mark.parametrize('fp_score, expected', [(1.0, 100 * 5 / 6), (0.1, 100.0)])
def test_unassigned_prediction_is_a_false_positive_ranked_by_its_score(gt_files, fp_score, expected):
    results = with_scores(gt_as_results(), [0.9] * 5)
    results.append(dict(image_id=10010000, category_id=1, keypoints=person(250, 40), score=fp_score,
                        scores=[fp_score] * 17))
    metrics = score(gt_files['merged'], results)
    # first: one false positive, then 5 true positives -> precision 5/6 at every recall
    assert all(metrics[k] == pytest.approx(expected, abs=1e-9) for k in SUMMARY)


def test_ignore_region_removes_predictions_and_ground_truth_inside(tmp_path):
    files = build_gt()
    seq_b = files[1]
    inside = dict(seq_b['annotations'][0], id=100200011, image_id=10020001, keypoints=person(250, 40))
    seq_b['annotations'].append(inside)  # a ground-truth person inside the region, never predicted
    results = with_scores(gt_as_results(build_gt()), [0.9] * 5)
    results.append(dict(image_id=10020001, category_id=1, keypoints=person(252, 42), score=1.0, scores=[1.0] * 17))
    with_region = score(write_gt(tmp_path / 'a', files)['folder'], results)
    assert [with_region[k] for k in SUMMARY] == [100.0] * 8
    for img in seq_b['images']:
        img.pop('ignore_regions_x', None)
        img.pop('ignore_regions_y', None)
    without = score(write_gt(tmp_path / 'b', files)['folder'], results)
    # without the region the pose there is matched to the person there: 6 of 6 found, but the person is now
    # ranked first with a score of 1.0 -> still 100; a region matters when its points are unmatched:
    assert without['AP'] == 100.0 and without['num_gt_joints'] == 6 * 15
    results[-1]['keypoints'] = person(262, 40)  # now 12 px off: a false positive and a missed person
    without = score(write_gt(tmp_path / 'c', files)['folder'], results)
    # one false positive first, 5 of 6 persons found: AP = 5/6 (precision) * 5/6 (recall)
    assert without['AP'] == pytest.approx(100 * 25 / 36, abs=1e-9)
    with_region = score(write_gt(tmp_path / 'd', build_gt())['folder'], results)
    assert with_region['AP'] == 100.0


def test_points_on_the_polygon_boundary_are_outside():
    square = np.array([[200, 20], [300, 20], [300, 200], [200, 200]])
    inside = points_in_polygon(np.array([[201, 50], [200, 50], [199, 50], [250, 20], [299.5, 199.5]]), square)
    assert inside.tolist() == [True, False, False, False, True]


def test_greedy_assignment_is_not_hungarian():
    # both poses prefer ground truth 0; pose 0 wins it and ground truth 1 stays unassigned (Hungarian would pair
    # pose 1 with ground truth 0 and pose 0 with ground truth 1)
    assert greedy_assignment(np.array([[0.9, 0.8], [0.85, 0.0]])).tolist() == [0, -1]
    assert greedy_assignment(np.zeros((0, 2))).tolist() == [-1, -1]


def test_a_joint_without_ground_truth_is_nan_with_predictions_and_zero_without(tmp_path):
    files = build_gt()
    top = NAMES.index('head_top')
    for f in files:
        for ann in f['annotations']:
            ann['keypoints'][3 * top:3 * top + 3] = [0, 0, 0]
    paths = write_gt(tmp_path, files)
    metrics = score(paths['folder'], gt_as_results())  # predictions keep their head tops
    assert math.isnan(metrics['AP head_top']) and math.isnan(metrics['Head AP'])
    assert metrics['AP'] == 100.0  # Total leaves NaN joints out
    metrics = score(paths['folder'], gt_as_results(files))  # no head top predicted either: AP 0 for it
    assert metrics['AP head_top'] == 0.0
    assert metrics['AP'] == pytest.approx(100 * 14 / 15, abs=1e-9)


def test_ears_are_not_scored(gt_files):
    results = gt_as_results()
    for r in results:
        r['keypoints'][9:15] = [1.0, 1.0, 1.0, 300.0, 200.0, 1.0]  # ears anywhere
    assert score(gt_files['folder'], results)['AP'] == 100.0
    assert 'left_ear' not in POSEVAL_JOINTS


def test_missing_sequence_is_refused_unless_allowed(gt_files):
    results = [r for r in gt_as_results() if r['image_id'] < 10020000]
    with pytest.raises(AnnotationError, match=r'results\.json has no result for sequence 000002_mpii_test'):
        score(gt_files['folder'], results)
    metrics = score(gt_files['folder'], results, allow_missing_sequences=True)
    assert metrics['AP'] == pytest.approx(60.0, abs=1e-9)  # 3 of 5 persons found, all ranked first


@pytest.mark.parametrize('break_it, message', [
    (lambda r: r[0].update(keypoints=r[0]['keypoints'][:48]), r'entry \[0\] \(image_id 10010000\) has 48 keypoint '
                                                              r'values, expected 51'),
    (lambda r: r[1]['keypoints'].__setitem__(4, float('nan')), r'entry \[1\] .* non-finite'),
    (lambda r: r[2].update(image_id=123), r'entry \[2\] has image_id 123, which is not a frame of'),
    (lambda r: r[3].update(scores=[1.0] * 16), r'entry \[3\] .*"scores" must be 17 finite numbers'),
])
def test_results_that_cannot_be_scored_are_refused_by_entry(gt_files, break_it, message):
    results = gt_as_results()
    break_it(results)
    with pytest.raises(AnnotationError, match=message):
        score(gt_files['merged'], results)


def test_bad_ground_truth_is_refused_by_file_and_entry(tmp_path):
    files = build_gt()
    files[0]['annotations'][1]['bbox_head'] = [150, 30, 0, 0]
    with pytest.raises(AnnotationError, match=r'000001_mpii_test\.json: annotations\[1\] \(id 1001000001, '
                                              r'.*000000\.jpg\) has a zero-size head box'):
        PoseTrackGroundTruth(str(write_gt(tmp_path / 'a', files)['folder']))
    files = build_gt()
    files[1]['images'].reverse()
    with pytest.raises(AnnotationError, match=r'sequence 000002_mpii_test has its frames out of order at '
                                              r'images/val/000002_mpii_test/000000\.jpg'):
        PoseTrackGroundTruth(str(write_gt(tmp_path / 'b', files)['merged']))


def poseval_folder(tmp_path, files, results):
    """Prediction files in poseval's format, one per sequence, as mmpose's PoseTrack18Metric writes them."""
    folder = tmp_path / 'pred'
    folder.mkdir(parents=True)
    for f in files:
        ids = {img['id'] for img in f['images']}
        anns = [dict(image_id=r['image_id'], keypoints=r['keypoints'], scores=r['keypoints'][2::3], track_id=i)
                for i, r in enumerate(results) if r['image_id'] in ids]
        name = f['images'][0]['file_name'].split('/')[-2]
        (folder / f'{name}.json').write_text(json.dumps(dict(images=f['images'], annotations=anns,
                                                             categories=f['categories'])))
    return folder


def test_prediction_folder_equals_results_list_and_checks_frames(tmp_path, gt_files):
    files = build_gt()
    results = with_scores(gt_as_results(), [0.9, 0.8, 0.7, 0.6, 0.5])
    results[0]['keypoints'][3 * LEFT_WRIST] += 8.0
    for r in results:
        r['keypoints'][2::3] = r['scores']
    gt = PoseTrackGroundTruth(str(gt_files['folder']))
    from_folder = evaluate_frames(gt.frames(gt.predictions_from_folder(str(poseval_folder(tmp_path, files,
                                                                                          results)))))
    assert from_folder['AP left_wrist'] == pytest.approx(64.0, abs=1e-9)
    assert from_folder == score(gt_files['folder'], results)
    files[0]['images'] = files[0]['images'][:2]
    with pytest.raises(AnnotationError, match=r'000001_mpii_test\.json: 2 frames, but sequence 000001_mpii_test '
                                              r'has 3'):
        gt.predictions_from_folder(str(poseval_folder(tmp_path / 'x', files, results)))
    files = build_gt()
    files[0]['images'][0], files[0]['images'][1] = files[0]['images'][1], files[0]['images'][0]
    with pytest.raises(AnnotationError, match=r'frame 0 is .*000001\.jpg, expected 000000\.jpg: frames out of '
                                              r'order'):
        gt.predictions_from_folder(str(poseval_folder(tmp_path / 'y', files, results)))


def samples_from(results, duplicate_first=False):
    """mmpose top-down data samples whose predictions are the given results (one person per sample, joint score
    0.9); with ``duplicate_first`` also a second pose of the first person, 0.5 px off, with a lower instance score
    (0.5) but higher joint scores (0.95) and its ears far away."""
    samples = []
    for i, r in enumerate(results + ([results[0]] if duplicate_first else [])):
        kpts = np.asarray(r['keypoints'], dtype=np.float32).reshape(1, -1, 3)[..., :2]
        dup = i == len(results)
        if dup:
            kpts = kpts + 0.5
            kpts[0, 3:5] = [[5.0, 5.0], [300.0, 230.0]]
        samples.append(dict(id=i + 1, img_id=r['image_id'], category_id=1,
                            pred_instances=dict(keypoints=kpts,
                                                keypoint_scores=np.full((1, 17), 0.95 if dup else 0.9, np.float32)),
                            gt_instances=dict(bbox_scores=np.array([0.5 if dup else 1.0]))))
    return samples


@pytest.mark.parametrize('nms_mode, expected', [('oks_nms', 100.0), ('none', 100 * 5 / 6)])
def test_metric_class_nms_leaves_the_ears_out_and_writes_in_the_work_dir(tmp_path, gt_files, nms_mode, expected):
    from mmpose.datasets.datasets.utils import parse_pose_metainfo

    from mmpose_ext.datasets import POSETRACK18_METAINFO
    from mmpose_ext.evaluation.metrics import PoseTrack18APMetric
    for gt_path in (None, str(gt_files['folder'])):
        metric = PoseTrack18APMetric(ann_file=str(gt_files['merged']), gt_path=gt_path, nms_mode=nms_mode,
                                     outfile_prefix=str(tmp_path / 'out' / 'results'))
        metric.dataset_meta = parse_pose_metainfo(POSETRACK18_METAINFO)
        metric.process([], samples_from(gt_as_results(), duplicate_first=True))
        out = metric.evaluate(6)
        # OKS-NMS without the ears suppresses the duplicate (with the ears, at mmpose's sigmas, its OKS would be
        # about 15/17 < 0.9 and it would stay); kept, its joints are false positives ranked first: 5/6 precision
        assert [out[f'posetrack18/{k}'] for k in SUMMARY] == pytest.approx([expected] * 8, abs=1e-9)
    written = json.loads((tmp_path / 'out' / 'results.keypoints.json').read_text())
    assert {len(r['scores']) for r in written} == {17}
    assert len({(r['image_id'], r['track_id']) for r in written}) == len(written)  # unique track ids per frame
