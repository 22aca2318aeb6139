"""PoseFixResultsDataset on the real COCO / CrowdPose samples: crops from the keypoints, the score filter, every
bad-input case named by file, entry and image id, and pass-through counting."""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpose.datasets.transforms import GetBBoxCenterScale, LoadImage, PackPoseInputs, TopdownAffine

from mmpose_ext.datasets import PoseFixResultsDataset
from mmpose_ext.datasets.transforms import POSEFIX_META_KEYS as META_KEYS
from mmpose_ext.datasets.common import AnnotationError, mmpose_metainfo
from mmpose_ext.datasets.posefix_results_dataset import POSEFIX_INPUT_KEY
from mmpose_ext.datasets.transforms import SetInputPose

DATA = Path(__file__).resolve().parents[1] / 'data'
COCO_GT = DATA / 'coco' / 'test_coco.json'
CROWDPOSE_GT = DATA / 'crowdpose' / 'test_crowdpose.json'


def results_from_gt(gt_file: Path) -> list:
    """One result per labelled person: its labelled joints, the others at the labelled joints' mean."""
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


def build(gt_file: Path = COCO_GT, pipeline: list = (), **kwargs) -> PoseFixResultsDataset:
    return PoseFixResultsDataset(ann_file=str(gt_file), data_prefix=dict(img=str(gt_file.parent) + '/'),
                                 pipeline=list(pipeline), **kwargs)


def test_crop_comes_from_the_keypoint_extent_and_the_pipeline_pads_and_fixes_the_aspect():
    results = results_from_gt(COCO_GT)
    tiny = dict(results[0], keypoints=sum([[100.0 + j % 2, 200.0 + j % 3, 1.0] for j in range(17)], []))
    pipeline = [LoadImage(), GetBBoxCenterScale(), TopdownAffine(input_size=(48, 64)), SetInputPose(),
                PackPoseInputs(meta_keys=META_KEYS)]
    dataset = build(results=results + [tiny], pipeline=pipeline)
    assert len(dataset) == len(results) + 1
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        pose = np.array(dataset.get_data_info(i)['keypoints'][0])
        lo, hi = pose.min(axis=0), pose.max(axis=0)
        x1, y1, x2, y2 = info['bbox'][0]
        np.testing.assert_allclose([(x1 + x2) / 2, (y1 + y2) / 2], (lo + hi) / 2, rtol=1e-5)
        np.testing.assert_allclose([x2 - x1, y2 - y1], np.maximum((hi - lo) * 1.2, 20), rtol=1e-5)
        sample = dataset[i]['data_samples']
        w, h = np.maximum((hi - lo) * 1.2, 20) * 1.25
        expected_scale = (w, w / 0.75) if w > h * 0.75 else (h * 0.75, h)  # TopdownAffine's aspect fix, 48/64
        np.testing.assert_allclose(sample.metainfo['input_scale'], expected_scale, rtol=1e-5)
        assert sample.gt_instances.bbox_scores[0] == pytest.approx(results[i]['score'] if i < len(results) else
                                                                   tiny['score'])
    # the tiny pose (extent 1 x 2 px) gets the 20 px minimum on each side
    x1, y1, x2, y2 = dataset.get_data_info(len(results))['bbox'][0]
    assert (x2 - x1, y2 - y1) == pytest.approx((20.0, 20.0))


def test_score_filter_and_category_pass_through_counted():
    results = results_from_gt(COCO_GT)
    results[0]['score'] = 0.0
    results[1]['score'] = -1.0
    results[2]['category_id'] = 2
    dataset = build(results=copy.deepcopy(results))
    kept_ids = [dataset.get_data_info(i)['id'] for i in range(len(dataset))]
    assert kept_ids == list(range(3, len(results)))
    summary = dataset.metainfo[POSEFIX_INPUT_KEY]
    assert (summary['num_entries'], summary['num_refined']) == (len(results), len(results) - 3)
    passed = {p['index']: (p['reason'], p['evaluable']) for p in summary['passed_through']}
    assert passed == {0: ('score <= 0', True), 1: ('score <= 0', True), 2: ('other category', True)}
    # passed-through entries are kept as they were
    assert [p['entry'] for p in summary['passed_through']] == results[:3]
    assert dataset.get_data_info(0)['bbox_score'][0] == pytest.approx(results[3]['score'])


def test_every_bad_entry_is_reported_with_index_and_image_id_and_passed_through(tmp_path: Path, capsys):
    results = results_from_gt(COCO_GT)
    bad = {
        1: ('wrong number of keypoints', dict(results[1], keypoints=results[1]['keypoints'][:-3])),
        2: ('non-finite values', dict(results[2], keypoints=[math.nan] + results[2]['keypoints'][1:])),
        3: ('non-finite values', dict(results[3], score=math.inf)),
        4: ('unknown image id', dict(results[4], image_id=123456789)),
        5: ('missing fields', {k: v for k, v in results[5].items() if k != 'score'}),
        6: ('malformed', 'not an entry'),
        7: ('non-numeric values', dict(results[7], keypoints=['x'] + results[7]['keypoints'][1:])),
    }
    for index, (_, entry) in bad.items():
        results[index] = entry
    results_file = tmp_path / 'results.json'
    results_file.write_text(json.dumps(results))  # NaN / Infinity as Python's json writes them
    MMLogger.get_instance('posefix_results_dataset_test')  # a logger made under capsys, so its output is captured
    dataset = build(results_file=str(results_file))
    assert len(dataset) == len(results) - len(bad)
    passed = dataset.metainfo[POSEFIX_INPUT_KEY]['passed_through']
    assert {p['index']: p['reason'] for p in passed} == {i: reason for i, (reason, _) in bad.items()}
    assert not any(p['evaluable'] for p in passed)
    log = capsys.readouterr().out
    for index, (_, entry) in bad.items():
        image_id = entry.get('image_id') if isinstance(entry, dict) else None
        assert f'{results_file}: entry [{index}] (image_id {image_id})' in log, log
    assert 'has 48 keypoint values, expected 51' in log and 'lacks score' in log
    assert f'{len(results) - len(bad)} of {len(results)} entries will be refined' in log


@pytest.mark.parametrize('content, message', [
    ('{"image_id": 1', 'is not JSON'),
    ('{"annotations": []}', 'must be a JSON list'),
])
def test_a_file_that_is_not_a_results_list_is_fatal_and_named(tmp_path: Path, content: str, message: str):
    results_file = tmp_path / 'broken.json'
    results_file.write_text(content)
    with pytest.raises(AnnotationError, match=message) as info:
        build(results_file=str(results_file))
    assert str(results_file) in str(info.value)


def test_missing_results_file_and_ambiguous_sources_fail():
    with pytest.raises(FileNotFoundError, match='nowhere.json'):
        build(results_file='nowhere.json')
    with pytest.raises(ValueError, match='exactly one of results_file'):
        build(results_file='a.json', results=[])
    with pytest.raises(ValueError, match='exactly one of results_file'):
        build()


def test_results_of_another_layout_are_refused_as_a_whole():
    """17-joint COCO results against the 14-joint CrowdPose layout: nothing can be refined, which is an error."""
    with pytest.raises(AnnotationError, match=r"none of its \d+ entries can be refined.*wrong number of keypoints"):
        build(CROWDPOSE_GT, results=results_from_gt(COCO_GT)[:3], metainfo=mmpose_metainfo('crowdpose.py'))


def test_crowdpose_layout_with_14_joints():
    results = results_from_gt(CROWDPOSE_GT)
    pipeline = [LoadImage(), GetBBoxCenterScale(), TopdownAffine(input_size=(48, 64)), SetInputPose(),
                PackPoseInputs(meta_keys=META_KEYS)]
    dataset = build(CROWDPOSE_GT, results=results, pipeline=pipeline, metainfo=mmpose_metainfo('crowdpose.py'))
    assert len(dataset) == len(results) == 4
    sample = dataset[0]['data_samples']
    assert sample.metainfo['input_keypoints'].shape == (1, 14, 2)
    assert sample.gt_instances.keypoints.shape == (1, 14, 2)
    assert list(sample.metainfo['flip_indices']) == [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12, 13]
