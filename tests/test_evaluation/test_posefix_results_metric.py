"""PoseFixCocoMetric on the real COCO sample through PoseFixResultsDataset and its pipeline: the input score is kept,
OKS-NMS suppressions are counted, passed-through entries come back unchanged and in order, the input poses can be
scored as the "before" figure, and an image-info file without annotations is written, not evaluated."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.structures import InstanceData
from mmpose.datasets.transforms import GetBBoxCenterScale, LoadImage, PackPoseInputs, TopdownAffine

from mmpose_ext.datasets import PoseFixResultsDataset
from mmpose_ext.datasets.transforms import POSEFIX_META_KEYS as META_KEYS
from mmpose_ext.datasets.transforms import SetInputPose
from mmpose_ext.evaluation.metrics import PoseFixCocoMetric
from mmpose_ext.evaluation.metrics.posefix_results_metric import format_ap_table

DATA = Path(__file__).resolve().parents[1] / 'data'
COCO_GT = DATA / 'coco' / 'test_coco.json'


def results_from_gt(gt_file: Path) -> list:
    out = []
    for ann in json.loads(gt_file.read_text())['annotations']:
        kpts = np.array(ann['keypoints'], dtype=float).reshape(-1, 3)
        labelled = kpts[:, 2] > 0
        if not labelled.any():
            continue
        kpts[~labelled, :2] = kpts[labelled, :2].mean(axis=0)
        kpts[:, 2] = 0.9
        out.append(dict(image_id=ann['image_id'], category_id=1, keypoints=kpts.ravel().tolist(),
                        score=round(0.5 + 0.01 * len(out), 3)))
    return out


def evaluate(results: list, ann_file: Path = COCO_GT, shift: float = 0.0, **metric_args) -> tuple:
    """Runs the dataset and its test pipeline into the metric; "predictions" are the input poses shifted right."""
    pipeline = [LoadImage(), GetBBoxCenterScale(), TopdownAffine(input_size=(48, 64)), SetInputPose(),
                PackPoseInputs(meta_keys=META_KEYS)]
    dataset = PoseFixResultsDataset(ann_file=str(ann_file), results=copy.deepcopy(results), pipeline=pipeline,
                                    data_prefix=dict(img=str(COCO_GT.parent) + '/'))
    metric = PoseFixCocoMetric(**metric_args)
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        packed = dataset[i]
        sample = packed['data_samples']
        keypoints = sample.gt_instances.keypoints + np.float32(shift) * np.array([1, 0], np.float32)
        sample.pred_instances = InstanceData(keypoints=keypoints, keypoint_scores=np.full((1, 17), 0.01, np.float32),
                                             bboxes=sample.gt_instances.bboxes,
                                             bbox_scores=sample.gt_instances.bbox_scores)
        metric.process([packed], [sample.to_dict()])
    return metric.evaluate(len(dataset)), metric


def test_input_poses_equal_to_ground_truth_score_ap_1_and_shifted_predictions_less(tmp_path: Path):
    results = results_from_gt(COCO_GT)
    before, _ = evaluate(results, pose_source='input', prefix='input')
    after, metric = evaluate(results, shift=15.0, prefix='refined', out_file=str(tmp_path / 'out.json'))
    assert before['input/AP'] == pytest.approx(1.0)
    assert after['refined/AP'] < 0.9
    written = json.loads((tmp_path / 'out.json').read_text())
    assert len(written) == len(results)
    for entry, source in zip(written, results):
        assert set(entry) == {'image_id', 'category_id', 'keypoints', 'score'}
        assert (entry['image_id'], entry['score']) == (source['image_id'], source['score'])
        kpts = np.array(entry['keypoints']).reshape(-1, 3)
        np.testing.assert_allclose(kpts[:, 0], np.array(source['keypoints'][0::3]) + 15.0, atol=1e-3)
        np.testing.assert_allclose(kpts[:, 2], source['score'], rtol=1e-6)  # keypoint score = instance score
    table = format_ap_table({'input': before, 'refined': after})
    assert table.splitlines()[0].split() == ['metric', 'input', 'refined', 'change']
    ap_row = table.splitlines()[1].split()
    assert ap_row[0] == 'AP' and float(ap_row[3]) == pytest.approx(after['refined/AP'] - 1.0, abs=1e-4)


def test_passed_through_entries_merged_in_input_order_and_nms_suppressions_counted(tmp_path: Path):
    results = results_from_gt(COCO_GT)[:6]
    duplicate = dict(results[0], score=0.1)  # the same pose again: suppressed by OKS-NMS (OKS 1 > 0.9)
    zero = dict(results[1], score=0.0)
    other = dict(results[2], category_id=7)
    broken = dict(results[3], keypoints=[float('nan')] * 51)
    unknown = dict(results[4], image_id=999)
    inputs = results + [duplicate, zero, other, broken, unknown]
    out_file = tmp_path / 'sub' / 'refined.json'
    metrics, metric = evaluate(inputs, out_file=str(out_file), outfile_prefix=str(tmp_path / 'scored'))
    summary = metric.summary
    assert summary['num_entries'] == len(inputs) == 11
    assert (summary['refined'], summary['kept'], summary['suppressed_by_nms']) == (7, 6, 1)
    assert summary['passed_through_by_reason'] == {'score <= 0': 1, 'other category': 1, 'non-finite values': 1,
                                                   'unknown image id': 1}
    written = json.loads(out_file.read_text(), parse_constant=lambda c: c)  # NaN comes back as it went in
    assert len(written) == summary['num_entries'] - summary['suppressed_by_nms']
    assert written[6:] == [zero, other, dict(broken, keypoints=['NaN'] * 51), unknown]
    assert [w['score'] for w in written[:6]] == [r['score'] for r in results]
    # what is scored: the kept refined poses and the well-formed passed-through entries (the others would break
    # xtcocotools); a zero score and a foreign category do not change AP
    scored = json.loads((tmp_path / 'scored.keypoints.json').read_text())
    assert len(scored) == 6 + 2 and scored[6:] == [zero, other]
    assert metrics['coco/AP'] == pytest.approx(evaluate(results)[0]['coco/AP'])
    assert 0 < metrics['coco/AP'] < 1  # six of the twelve labelled persons have a result


def test_image_info_file_without_annotations_is_written_not_evaluated(tmp_path: Path):
    info = json.loads(COCO_GT.read_text())
    info.pop('annotations')
    ann_file = tmp_path / 'image_info.json'
    ann_file.write_text(json.dumps(info))
    results = results_from_gt(COCO_GT)
    metrics, metric = evaluate(results, ann_file=ann_file, out_file=str(tmp_path / 'out.json'))
    assert metrics == {}
    assert len(json.loads((tmp_path / 'out.json').read_text())) == len(results) == metric.summary['kept']


def test_input_source_needs_the_input_pose():
    metric = PoseFixCocoMetric(pose_source='input', ann_file=str(COCO_GT))
    with pytest.raises(KeyError, match='needs the input pose in gt_instances'):
        metric.process([], [dict(id=3, img_path='x.jpg', gt_instances=dict(bboxes=np.zeros((1, 4))))])
    with pytest.raises(ValueError, match='pose_source must be'):
        PoseFixCocoMetric(pose_source='model')
