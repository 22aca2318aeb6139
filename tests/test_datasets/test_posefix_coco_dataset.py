"""PoseFixCocoDataset on the real COCO and CrowdPose samples: results matched by box IoU, near persons, clear
errors for results files that do not fit, and the training pipeline of the config bases end to end."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.codecs import RegressionLabel
from mmpose.datasets import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomFlip,
                             TopdownAffine)

from mmpose_ext.datasets import PoseFixCocoDataset
from mmpose_ext.datasets.common import AnnotationError, mmpose_metainfo
from mmpose_ext.datasets.posefix_inputs import ground_truth_with_errors
from mmpose_ext.datasets.transforms import SynthesizePoseErrors

ROOT = Path(__file__).resolve().parents[2]


def trained_on(ann_file: Path) -> list:
    """Persons mmpose trains on in top-down mode, from the raw JSON: not crowd, num_keypoints > 0."""
    anns = json.loads(ann_file.read_text())['annotations']
    return [a for a in anns if not a.get('iscrowd', 0) and a['num_keypoints'] > 0]


def fake_results(ann_file: Path, with_bbox: bool) -> list:
    """One result per person, shuffled, each pose a known shift of its ground truth (box centre where the
    ground truth has no joint), so every match can be checked."""
    results = []
    for a in trained_on(ann_file):
        keypoints = np.array(a['keypoints'], float).reshape(-1, 3)
        x, y, w, h = a['bbox']
        keypoints[keypoints[:, 2] == 0, :2] = [x + w / 2, y + h / 2]
        keypoints[:, :2] += a['id'] % 7  # identifies the person
        keypoints[:, 2] = 0.8
        entry = dict(image_id=a['image_id'], category_id=1, keypoints=keypoints.reshape(-1).tolist(), score=0.9)
        if with_bbox:
            entry['bbox'] = a['bbox']
        results.append(entry)
    return results[::-1]


def write(tmp_path: Path, results, name: str = 'results.json') -> str:
    path = tmp_path / name
    path.write_text(results if isinstance(results, str) else json.dumps(results))
    return str(path)


def build(data_dir: Path, estimated: str | None, folder: str = 'coco', ann: str = 'test_coco.json',
          **kwargs) -> PoseFixCocoDataset:
    if folder == 'crowdpose':
        kwargs.setdefault('metainfo', mmpose_metainfo('crowdpose.py'))
    return PoseFixCocoDataset(data_root=str(data_dir / folder), ann_file=ann, data_prefix=dict(img=''),
                              estimated_results_file=estimated, **kwargs)


@pytest.mark.parametrize('with_bbox', [True, False], ids=['bbox field', 'keypoint extent'])
def test_results_matched_to_persons_by_box_iou(data_dir, tmp_path, with_bbox):
    ann_file = data_dir / 'coco' / 'test_coco.json'
    results = fake_results(ann_file, with_bbox)
    dataset = build(data_dir, write(tmp_path, results))
    by_id = {a['id']: a for a in trained_on(ann_file)}
    assert len(dataset) == len(by_id) == 12
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        gt = np.array(by_id[info['id']]['keypoints'], float).reshape(-1, 3)
        x, y, w, h = by_id[info['id']]['bbox']
        expected = np.where(gt[:, 2:] > 0, gt[:, :2], [x + w / 2, y + h / 2]) + info['id'] % 7
        np.testing.assert_allclose(info['keypoints'][1], expected, atol=1e-3)
        np.testing.assert_array_equal(info['keypoints_visible'][1], np.ones(17))
        np.testing.assert_allclose(info['keypoints'][0], gt[:, :2], atol=1e-3)
        assert info['keypoint_sigmas'].shape == (17,) and info['keypoint_names'][0] == 'nose'


def test_near_persons_have_box_iou_of_at_least_0_1(data_dir, tmp_path):
    ann_file = data_dir / 'coco' / 'test_coco.json'
    dataset = build(data_dir, write(tmp_path, fake_results(ann_file, True)))
    persons = trained_on(ann_file)

    def xyxy(a):  # as mmpose: clipped to the image
        img = next(i for i in json.loads(ann_file.read_text())['images'] if i['id'] == a['image_id'])
        x, y, w, h = a['bbox']
        return np.clip([x, y, x + w, y + h], 0, [img['width'] - 1, img['height'] - 1] * 2)

    def iou(a, b):
        (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = xyxy(a), xyxy(b)
        inter = max(0, min(ax2, bx2) - max(ax1, bx1)) * max(0, min(ay2, by2) - max(ay1, by1))
        return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter)

    total = 0
    by_id = {a['id']: a for a in persons}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        me = by_id[info['id']]
        expected = [o['id'] for o in persons if o['image_id'] == me['image_id'] and o['id'] != me['id']
                    and iou(me, o) >= 0.1]
        assert info['near_ann_ids'] == expected, f'annotation {me["id"]}'
        assert info['num_near_instances'] == len(expected)
        assert info['keypoints'].shape == (2 + len(expected), 17, 2)
        for k, other in enumerate(expected):
            np.testing.assert_allclose(info['keypoints'][2 + k],
                                       np.array(by_id[other]['keypoints'], float).reshape(-1, 3)[:, :2], atol=1e-3)
        total += len(expected)
    assert total > 0  # the sample has overlapping persons


def test_without_estimates_the_estimate_instance_is_invisible(data_dir):
    dataset = build(data_dir, None)
    info = dataset.get_data_info(0)
    assert (info['keypoints_visible'][1] == 0).all()


def bad_files():
    ann_file = Path(__file__).resolve().parents[1] / 'data' / 'coco' / 'test_coco.json'
    good = fake_results(ann_file, True)

    def edit(index, **fields):
        results = json.loads(json.dumps(good))
        results[index].update(fields)
        return results

    wrong_image = [dict(r) for r in good[1:]] + [dict(good[0], image_id=123456)]
    shifted = edit(3, bbox=[0, 0, 5, 5], keypoints=[1.0, 1.0, 1.0] * 17)
    return {
        'not JSON': ('[{"image_id": 1,', r'is not JSON'),
        'not a list': (json.dumps({'a': 1}), r'must be a JSON list'),
        'missing field': ([dict(image_id=785)] + good, r'entry \[0\] needs "image_id" and "keypoints"'),
        'wrong K': (edit(4, keypoints=[1.0] * 42), r'entry \[4\].*42 values, expected 51'),
        'non-finite': (json.dumps(good).replace('0.8', 'NaN', 1), r'entry \[0\].*non-finite'),
        'unknown image': (wrong_image, r'entry \[11\] \(image_id 123456\).*not an image of'),
        'count differs': (good[:-1], r'image_id 785 .*0 results for 1 persons'),
        'extra result': (good + [good[0]], r'image_id 197388 .*6 results.*for 5 persons'),
        'other category': (edit(1, category_id=2), r'entry \[1\].*category_id 2'),
        'no match': (shifted, r'entry \[3\].*box IoU 0.000 < min_match_iou'),
    }


@pytest.mark.parametrize('case', sorted(bad_files()))
def test_results_files_that_do_not_fit_are_refused_naming_file_and_entry(data_dir, tmp_path, case):
    content, message = bad_files()[case]
    path = write(tmp_path, content, 'bad_results.json')
    with pytest.raises(AnnotationError, match=message) as error:
        build(data_dir, path)
    assert 'bad_results.json' in str(error.value)


def test_crowdpose_layout(data_dir, tmp_path):
    ann_file = data_dir / 'crowdpose' / 'test_crowdpose.json'
    results = ground_truth_with_errors(str(ann_file), mmpose_metainfo('crowdpose.py'), seed=0)
    pipeline = [dict(type=LoadImage), dict(type=GetBBoxCenterScale), dict(type=RandomFlip, prob=1.0),
                dict(type=TopdownAffine, input_size=(48, 64)), dict(type=SynthesizePoseErrors, seed=0),
                dict(type=GenerateTarget, encoder=dict(type=RegressionLabel, input_size=(48, 64))),
                dict(type=PackPoseInputs, meta_keys=('id', 'input_keypoints', 'input_keypoints_visible'))]
    dataset = build(data_dir, write(tmp_path, results), 'crowdpose', 'test_crowdpose.json', pipeline=pipeline)
    assert len(dataset) == len(trained_on(ann_file)) == 4
    assert dataset.get_data_info(0)['keypoint_names'][-2:] == ('top_head', 'neck')
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        assert sample.metainfo['input_keypoints'].shape == (1, 14, 2)
        assert sample.metainfo['input_keypoints_visible'].shape == (1, 14)
        assert sample.gt_instance_labels.keypoint_weights.shape == (1, 14)
    for entry in results:  # a results file of the COCO layout
        entry['keypoints'] += [0.0] * 9
    with pytest.raises(AnnotationError, match=r'coco_layout.json: entry \[0\].*51 values, expected 42'):
        build(data_dir, write(tmp_path, results, 'coco_layout.json'), 'crowdpose', 'test_crowdpose.json')
    with pytest.raises(AnnotationError, match=r'test_crowdpose.json.*42 keypoint values.*51'):
        ground_truth_with_errors(str(ann_file))  # COCO layout by default


@pytest.mark.parametrize('base', ['posefix_coco_256x192.py', 'posefix_coco_384x288.py', 'posefix_synthcrowd_128x96.py'])
def test_config_base_loaders_on_the_coco_sample(data_dir, tmp_path, base):
    """The bases' loaders through the real Runner, pointed at the COCO sample: input pose in crop pixels,
    regression targets, every flip / scale / rotation moved the instances together."""
    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / base))
    estimated = write(tmp_path, ground_truth_with_errors(str(data_dir / 'coco' / 'test_coco.json')))
    loader = cfg.train_dataloader
    loader.update(batch_size=4, num_workers=0, persistent_workers=False)
    loader.dataset.update(data_root=str(data_dir / 'coco'), ann_file='test_coco.json', data_prefix=dict(img=''),
                          estimated_results_file=estimated)
    width, height = cfg.codec['input_size']
    batches = list(Runner.build_dataloader(loader, seed=0))
    assert sum(len(b['inputs']) for b in batches) == 12
    for batch in batches:
        assert tuple(batch['inputs'][0].shape) == (3, height, width)
        for sample in batch['data_samples']:
            inputs = sample.metainfo['input_keypoints']
            assert inputs.shape == (1, 17, 2) and inputs.dtype == np.float32
            assert sample.metainfo['input_keypoints_visible'].shape == (1, 17)
            labels = sample.gt_instance_labels
            assert labels.keypoint_labels.shape == (1, 17, 2) and labels.keypoint_weights.shape == (1, 17)
            # the synthesised input pose lies around the ground truth of the crop: most joints within the crop
            inside = ((inputs[0] >= 0) & (inputs[0] < [width, height])).all(-1)
            assert inside[labels.keypoint_weights[0] > 0].mean() > 0.5

    # validation refines a results file: every pose of it is a sample whose input pose is the pose itself
    loader = cfg.val_dataloader
    loader.update(batch_size=8, num_workers=0, persistent_workers=False)
    loader.dataset.update(data_root=str(data_dir / 'coco'), ann_file='test_coco.json', data_prefix=dict(img=''),
                          results_file=estimated)
    samples = [s for b in Runner.build_dataloader(loader, seed=0) for s in b['data_samples']]
    assert len(samples) == 12
    for sample in samples:
        assert sample.metainfo['input_keypoints'].shape == (1, 17, 2)
        assert (sample.metainfo['input_keypoints_visible'] == 1).all()
