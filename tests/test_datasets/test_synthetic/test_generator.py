"""Tests of the built-in synthetic crowd generator (CPU only, small images, a few seconds in total)."""
import json
import os.path as osp

import numpy as np
import pytest

from mmpose_ext.datasets.synthetic import SyntheticCrowdConfig, generate_synthetic_crowd, image_rng, render_scene
from mmpose_ext.datasets.synthetic.skeleton import COCO_FROM_INTERNAL, CROWDPOSE_SIGMAS, JOINT_INDEX
from mmpose_ext.tools.generate_synthetic_crowd import main as generate_synthetic_crowd_main
from mmpose_ext.visualization import draw_preview

SMALL = dict(num_images=12, split='train', seed=3, layout='both', image_size=(128, 128),
             persons_per_image=(2, 4), overlap=0.6)
WIDTH, HEIGHT = SMALL['image_size']


def _load(path):
    with open(path, encoding='utf-8') as file:
        return json.load(file)


def _read_bytes(path):
    with open(path, 'rb') as file:
        return file.read()


def _by_image(data):
    grouped = {image['id']: [] for image in data['images']}
    for ann in data['annotations']:
        grouped[ann['image_id']].append(ann)
    return grouped


def _config():
    return SyntheticCrowdConfig(image_size=SMALL['image_size'], persons_per_image=SMALL['persons_per_image'],
                                overlap=SMALL['overlap'])


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic_a'))
    result = generate_synthetic_crowd(root, **SMALL)
    return root, result, _load(result['ann_files']['coco']), _load(result['ann_files']['crowdpose'])


def test_output_layout_and_ids(dataset):
    root, result, coco, crowdpose = dataset
    assert result['ann_files'] == {'coco': osp.join(root, 'annotations', 'coco_train.json'),
                                   'crowdpose': osp.join(root, 'annotations', 'crowdpose_train.json')}
    for data, num_joints in ((coco, 17), (crowdpose, 14)):
        assert [image['id'] for image in data['images']] == list(range(1, SMALL['num_images'] + 1))
        for image in data['images']:
            assert image['file_name'] == f'{image["id"]:06d}.jpg'
            assert (image['width'], image['height']) == (WIDTH, HEIGHT)
            assert osp.isfile(osp.join(root, 'images', 'train', image['file_name']))
        ann_ids = [ann['id'] for ann in data['annotations']]
        assert min(ann_ids) >= 1 and len(set(ann_ids)) == len(ann_ids)
        category = data['categories'][0]
        assert category['id'] == 1 and len(category['keypoints']) == num_joints
        assert all(1 <= index <= num_joints for pair in category['skeleton'] for index in pair)
        for ann in data['annotations']:
            assert ann['category_id'] == 1 and ann['iscrowd'] == 0 and len(ann['keypoints']) == 3 * num_joints
    assert 'crowdIndex' in crowdpose['images'][0] and 'crowdIndex' not in coco['images'][0]
    assert all(ann['area'] > 0 for ann in coco['annotations'])
    assert all('area' not in ann for ann in crowdpose['annotations'])
    stats = result['stats']
    assert stats['num_images'] == SMALL['num_images'] and stats['num_persons'] == len(coco['annotations'])
    assert stats['persons_per_image'] == pytest.approx(stats['num_persons'] / SMALL['num_images'])


def test_same_seed_is_byte_identical_and_other_seeds_or_splits_differ(dataset, tmp_path):
    root, result, _, _ = dataset
    again = generate_synthetic_crowd(str(tmp_path / 'again'), **SMALL)
    for layout in ('coco', 'crowdpose'):
        assert _read_bytes(again['ann_files'][layout]) == _read_bytes(result['ann_files'][layout])
    for image_id in range(1, SMALL['num_images'] + 1):
        name = f'{image_id:06d}.jpg'
        assert _read_bytes(osp.join(again['img_dir'], name)) == _read_bytes(osp.join(result['img_dir'], name))

    other_seed = generate_synthetic_crowd(str(tmp_path / 'seed'), **dict(SMALL, seed=4, num_images=2))
    assert _load(other_seed['ann_files']['coco'])['annotations'][0] != _load(
        result['ann_files']['coco'])['annotations'][0]
    assert _read_bytes(osp.join(other_seed['img_dir'], '000001.jpg')) != _read_bytes(
        osp.join(result['img_dir'], '000001.jpg'))
    val = generate_synthetic_crowd(str(tmp_path / 'val'), **dict(SMALL, split='val', num_images=2))
    assert _read_bytes(osp.join(val['img_dir'], '000001.jpg')) != _read_bytes(
        osp.join(result['img_dir'], '000001.jpg'))


def test_parallel_rendering_gives_the_same_files(dataset, tmp_path):
    _, result, _, _ = dataset
    parallel = generate_synthetic_crowd(str(tmp_path / 'parallel'), **dict(SMALL, num_images=4),
                                        num_workers=2)
    serial = _load(result['ann_files']['coco'])
    serial['images'] = serial['images'][:4]
    serial['annotations'] = [ann for ann in serial['annotations'] if ann['image_id'] <= 4]
    assert _load(parallel['ann_files']['coco']) == serial


def test_keypoints_boxes_and_visibility_conventions(dataset):
    _, _, coco, crowdpose = dataset
    for data in (coco, crowdpose):
        for ann in data['annotations']:
            x, y, w, h = ann['bbox']
            assert w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= WIDTH and y + h <= HEIGHT
            points = np.array(ann['keypoints']).reshape(-1, 3)
            assert set(points[:, 2].tolist()) <= {0, 1, 2}
            hidden = points[points[:, 2] == 0]
            assert np.all(hidden == 0), 'v=0 keypoints must be exactly (0, 0, 0)'
            labelled = points[points[:, 2] > 0]
            assert len(labelled) >= 2
            assert np.all((labelled[:, 0] >= 0) & (labelled[:, 0] <= WIDTH - 1))
            assert np.all((labelled[:, 1] >= 0) & (labelled[:, 1] <= HEIGHT - 1))
            # the box is the drawn silhouette, so it holds every labelled joint (1 px slack: pixel rounding)
            assert np.all((labelled[:, 0] >= x - 1) & (labelled[:, 0] <= x + w + 1))
            assert np.all((labelled[:, 1] >= y - 1) & (labelled[:, 1] <= y + h + 1))
    for ann in coco['annotations']:
        assert 0 < ann['area'] <= ann['bbox'][2] * ann['bbox'][3]
    visibility = np.concatenate([np.array(ann['keypoints'])[2::3] for ann in coco['annotations']])
    assert (visibility == 1).any() and (visibility == 2).any(), 'a crowded split must have occluded joints'


def test_num_keypoints_semantics(dataset):
    _, _, coco, crowdpose = dataset
    for ann in coco['annotations']:
        assert ann['num_keypoints'] == sum(1 for v in ann['keypoints'][2::3] if v > 0)
    for ann in crowdpose['annotations']:  # only the 12 body joints count, not head and neck
        assert ann['num_keypoints'] == sum(1 for v in ann['keypoints'][2:36:3] if v > 0)
    assert any(ann['num_keypoints'] != sum(1 for v in ann['keypoints'][2::3] if v > 0)
               for ann in crowdpose['annotations'])


def test_layouts_describe_the_same_persons(dataset):
    _, _, coco, crowdpose = dataset
    assert len(coco['annotations']) == len(crowdpose['annotations'])
    coco_names, crowd_names = coco['categories'][0]['keypoints'], crowdpose['categories'][0]['keypoints']
    for coco_ann, crowd_ann in zip(coco['annotations'], crowdpose['annotations']):
        assert (coco_ann['id'], coco_ann['image_id'], coco_ann['bbox']) == (
            crowd_ann['id'], crowd_ann['image_id'], crowd_ann['bbox'])
        coco_points = np.array(coco_ann['keypoints']).reshape(-1, 3)
        crowd_points = np.array(crowd_ann['keypoints']).reshape(-1, 3)
        for k, name in enumerate(crowd_names[:12]):
            assert np.array_equal(crowd_points[k], coco_points[coco_names.index(name)])


def test_occluded_joints_lie_on_a_later_drawn_person(dataset):
    _, _, coco, _ = dataset
    per_image = _by_image(coco)
    config = _config()
    occluded_by_others = 0
    for index in range(SMALL['num_images']):
        scene = render_scene(config, image_rng(SMALL['seed'], 'train', index))
        kept = scene.kept_persons
        assert len(kept) == len(per_image[index + 1])
        for person, ann in zip(kept, per_image[index + 1]):
            written = np.array(ann['keypoints'])
            assert np.array_equal(person.keypoints[list(COCO_FROM_INTERNAL)].ravel(), written)
            assert person.area == int((scene.id_map == person.person_id).sum())
            for joint, (x, y, v) in enumerate(person.keypoints):
                if v == 0:
                    continue
                px, py = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
                owner = scene.id_map[py, px]
                if v == 2:  # visible joints lie on their own figure (boundary rounding: 3x3 neighbourhood)
                    assert person.person_id in scene.id_map[max(py - 1, 0):py + 2, max(px - 1, 0):px + 2]
                elif person.occluded_by[joint] == person.person_id:  # hidden by its own head or a nearer limb
                    assert owner == person.person_id
                else:
                    assert owner == person.occluded_by[joint] and owner > person.person_id
                    occluded_by_others += 1
    assert occluded_by_others > 0


def _crowd_index(annotations):
    """Independent re-implementation of the CrowdPose crowd index from written annotations."""
    if not annotations:
        return 0.0
    ratios = []
    for ann in annotations:
        x, y, w, h = ann['bbox']

        def inside(points):
            return int(np.sum((points[:, 2] > 0) & (points[:, 0] >= x) & (points[:, 0] <= x + w) &
                              (points[:, 1] >= y) & (points[:, 1] <= y + h)))

        own = inside(np.array(ann['keypoints']).reshape(-1, 3))
        others = sum(inside(np.array(other['keypoints']).reshape(-1, 3))
                     for other in annotations if other is not ann)
        ratios.append(others / own if own else 0.0)
    return float(np.mean(ratios))


def test_crowd_index_matches_independent_recomputation(dataset):
    _, _, _, crowdpose = dataset
    per_image = _by_image(crowdpose)
    values = []
    for image in crowdpose['images']:
        expected = _crowd_index(per_image[image['id']])
        assert image['crowdIndex'] == pytest.approx(round(expected, 4), abs=1e-9)
        values.append(image['crowdIndex'])
    assert max(values) > 0


def test_ground_truth_as_predictions_scores_ap_one(dataset):
    pytest.importorskip('xtcocotools')
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    _, result, _, _ = dataset
    crowdpose_sigmas = np.array(CROWDPOSE_SIGMAS)
    for layout, iou_type, sigmas, use_area in (('coco', 'keypoints', None, True),
                                               ('crowdpose', 'keypoints_crowd', crowdpose_sigmas, False)):
        gt = COCO(result['ann_files'][layout])
        predictions = [dict(image_id=ann['image_id'], category_id=1, keypoints=ann['keypoints'], score=1.0)
                       for ann in gt.dataset['annotations']]
        evaluator = COCOeval(gt, gt.loadRes(predictions), iou_type, sigmas, use_area)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
        assert evaluator.stats[0] == pytest.approx(1.0), layout


def test_mmpose_datasets_load_the_files(dataset):
    pytest.importorskip('mmpose')
    from mmpose.datasets import CocoDataset, CrowdPoseDataset
    root, _, coco, crowdpose = dataset
    for dataset_class, data, ann_file in ((CocoDataset, coco, 'annotations/coco_train.json'),
                                          (CrowdPoseDataset, crowdpose, 'annotations/crowdpose_train.json')):
        loaded = dataset_class(ann_file=ann_file, data_root=root, data_prefix=dict(img='images/train/'),
                               pipeline=[], test_mode=False)
        assert len(loaded) == len(data['annotations'])
        info = loaded.get_data_info(0)
        assert osp.isfile(info['img_path'])
        assert info['keypoints'].shape == (1, len(data['categories'][0]['keypoints']), 2)


def test_overlap_controls_how_often_boxes_are_shared(tmp_path):
    common = dict(num_images=16, image_size=(128, 128), persons_per_image=(3, 5), layout='coco', seed=1)
    crowded = generate_synthetic_crowd(str(tmp_path / 'crowded'), overlap=0.9, **common)['stats']
    sparse = generate_synthetic_crowd(str(tmp_path / 'sparse'), overlap=0.0, **common)['stats']
    assert crowded['shared_box_fraction'] >= 0.75
    assert crowded['shared_box_fraction'] >= sparse['shared_box_fraction'] + 0.2
    assert not osp.exists(tmp_path / 'crowded' / 'annotations' / 'crowdpose_train.json')


def test_figures_have_plausible_proportions():
    config = SyntheticCrowdConfig(image_size=(256, 256), persons_per_image=(1, 1), person_height=(0.6, 0.6))
    for index in range(20):
        person = render_scene(config, image_rng(7, 'proportions', index)).persons[0]
        points = person.keypoints
        leg = [JOINT_INDEX['left_hip'], JOINT_INDEX['left_knee'], JOINT_INDEX['left_ankle']]
        if not np.all(points[leg, 2]):
            continue
        thigh = np.linalg.norm(points[JOINT_INDEX['left_hip'], :2] - points[JOINT_INDEX['left_knee'], :2])
        # 2D lengths are foreshortened, never longer than the 3D thigh (about a quarter of the body height)
        assert thigh <= 0.26 * 1.06 * 0.6 * 256 + 1e-6


def test_invalid_arguments_fail_loudly(tmp_path):
    out = str(tmp_path)
    with pytest.raises(ValueError, match='persons_per_image'):
        generate_synthetic_crowd(out, 1, persons_per_image=(4, 2))
    with pytest.raises(ValueError, match='image_size'):
        generate_synthetic_crowd(out, 1, image_size=(16, 256))
    with pytest.raises(ValueError, match='layout'):
        generate_synthetic_crowd(out, 1, layout='mpii')
    with pytest.raises(ValueError, match='overlap'):
        generate_synthetic_crowd(out, 1, overlap=1.5)
    with pytest.raises(ValueError, match='seed'):
        generate_synthetic_crowd(out, 1, seed=-1)
    with pytest.raises(ValueError, match='num_images'):
        generate_synthetic_crowd(out, 0)


def test_preview_and_command_line(dataset, tmp_path, capsys):
    root, result, _, _ = dataset
    preview = draw_preview(result['ann_files']['crowdpose'], result['img_dir'], str(tmp_path / 'grid.png'), 4)
    import cv2
    assert cv2.imread(preview).shape == (2 * HEIGHT, 2 * WIDTH, 3)

    out_dir = str(tmp_path / 'cli')
    generate_synthetic_crowd_main([out_dir, '--num-train', '3', '--num-val', '2', '--image-size', '96', '64', '--persons', '1',
              '2', '--preview', '2', '--no-progress'])
    printed = capsys.readouterr().out
    assert 'persons sharing a box' in printed and 'wall time' in printed
    for name in ('coco_train.json', 'coco_val.json', 'crowdpose_train.json', 'crowdpose_val.json'):
        assert osp.isfile(osp.join(out_dir, 'annotations', name))
    assert _load(osp.join(out_dir, 'annotations', 'coco_val.json'))['images'][0]['width'] == 96
    assert osp.isfile(osp.join(out_dir, 'preview.jpg'))
