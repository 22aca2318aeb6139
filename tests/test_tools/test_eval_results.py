"""tools/analysis/eval_results.py: a results file scored from the command line with the official rules of the layout
its annotation file has (COCO, CrowdPose, MPII), the rules said in words, and one-line errors for files it cannot
score."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import loadmat, savemat

from mmpose_ext.datasets.common import AnnotationError, mmpose_metainfo
from mmpose_ext.evaluation.metrics import CrowdPoseMetric, OfficialCocoMetric
from mmpose_ext.tools.eval_results import ResultsFileError, detect_layout, main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / 'tests' / 'data'


def shifted_results(gt_file: Path, shift: float = 3.0) -> list:
    """Every labelled person's joints moved by ``shift`` pixels (a weak estimator), scores decreasing."""
    out = []
    for ann in json.loads(gt_file.read_text())['annotations']:
        kpts = np.array(ann['keypoints'], dtype=float).reshape(-1, 3)
        if not (kpts[:, 2] > 0).any():
            continue
        kpts[:, :2] += shift
        kpts[:, 2] = 0.8
        out.append(dict(image_id=ann['image_id'], category_id=1, keypoints=kpts.ravel().tolist(),
                        score=0.9 - 0.05 * len(out)))
    return out


def test_coco_results_file_scored_from_the_command_line(tmp_path: Path, run_tool):
    gt = DATA / 'coco' / 'test_coco.json'
    res = tmp_path / 'results.keypoints.json'
    res.write_text(json.dumps(shifted_results(gt)))
    out = tmp_path / 'metrics.json'
    proc = run_tool([sys.executable, 'tools/analysis/eval_results.py', str(gt), str(res), '--out', str(out)])
    text = proc.stdout
    assert f'{res} against {gt} (coco)' in text
    rules = next(line for line in text.splitlines() if line.startswith('rules: '))
    for words in ('pycocotools', 'NMS: none', 'score mode: each entry\'s own "score"', 'all <= 0: kept'):
        assert words in rules, rules
    expected = OfficialCocoMetric(ann_file=str(gt), metainfo=mmpose_metainfo('coco.py')).evaluate_results_file(
        str(res))
    rows = [line.rsplit(None, 1) for line in text.splitlines() if len(line.split()) >= 2]
    printed = {name.strip(): float(value) for name, value in rows if name.strip() in ('AP', 'AP .5', 'AP .75', 'AR')}
    assert printed == {k.split('/')[1]: pytest.approx(v, abs=5e-5) for k, v in expected.items()
                       if k.split('/')[1] in printed}
    assert len(printed) == 4 and 0 < printed['AP'] < 1  # a few pixels off: between nothing and ground truth
    assert json.loads(out.read_text()) == expected


def test_crowdpose_and_mpii_layouts(tmp_path: Path, capsys):
    gt = DATA / 'crowdpose' / 'test_crowdpose.json'
    res = tmp_path / 'crowd.json'
    res.write_text(json.dumps(shifted_results(gt, shift=2.0)))
    metrics = main([str(gt), str(res)])
    assert metrics == CrowdPoseMetric(ann_file=str(gt)).evaluate_results_file(str(res))
    assert 'crowdposetools' in capsys.readouterr().out and 'crowdpose/AP(H)' in metrics

    ann = DATA / 'mpii' / 'mpii_gt_val_sample5.mat'
    assert detect_layout(str(ann)) == 'mpii'
    gt_joints = loadmat(str(ann))['pos_gt_src']  # 16 x 2 x N, 1-based
    savemat(str(tmp_path / 'pred.mat'), {'pos_pred_src': gt_joints})
    assert main([str(ann), str(tmp_path / 'pred.mat')])['mpii/Mean'] == 100.0
    # HRNet's pred.mat layout, given 0-based: --zero-based puts the pixel back, without it PCKh drops
    savemat(str(tmp_path / 'preds0.mat'), {'preds': np.transpose(gt_joints, [2, 0, 1]) - 1.0})
    assert main([str(ann), str(tmp_path / 'preds0.mat'), '--zero-based'])['mpii/Mean'] == 100.0
    text = capsys.readouterr().out
    assert 'evaluatePCKh.m' in text and 'predictions given 0-based, +1 added' in text


@pytest.mark.parametrize('case, message', [
    ('mpii_json', 'is a JSON list (MPII\'s mpii_val.json?): MPII PCKh needs the head boxes, give mpii_gt_val.mat'),
    ('no_crowd_index', 'has 14 joints but not every image has "crowdIndex"'),
    ('other_dataset', 'has 42 keypoint values, coco expects 51'),
    ('mpii_count', 'holds 4 poses but the annotation file lists 5 persons'),
])
def test_files_it_cannot_score_are_named(tmp_path: Path, case: str, message: str):
    crowd = json.loads((DATA / 'crowdpose' / 'test_crowdpose.json').read_text())
    if case == 'mpii_json':
        args = [str(DATA / 'mpii' / 'test_mpii.json'), 'res.json']
    elif case == 'no_crowd_index':
        del crowd['images'][0]['crowdIndex']
        (tmp_path / 'gt.json').write_text(json.dumps(crowd))
        args = [str(tmp_path / 'gt.json'), 'res.json']
    elif case == 'other_dataset':  # CrowdPose results against COCO
        (tmp_path / 'res.json').write_text(json.dumps(shifted_results(DATA / 'crowdpose' / 'test_crowdpose.json')))
        res = json.loads((tmp_path / 'res.json').read_text())
        coco_image = json.loads((DATA / 'coco' / 'test_coco.json').read_text())['images'][0]['id']
        (tmp_path / 'res.json').write_text(json.dumps([dict(r, image_id=coco_image) for r in res]))
        args = [str(DATA / 'coco' / 'test_coco.json'), str(tmp_path / 'res.json')]
    else:
        joints = loadmat(str(DATA / 'mpii' / 'mpii_gt_val_sample5.mat'))['pos_gt_src'][:, :, :4]
        savemat(str(tmp_path / 'pred.mat'), {'pos_pred_src': joints})
        args = [str(DATA / 'mpii' / 'mpii_gt_val_sample5.mat'), str(tmp_path / 'pred.mat')]
    with pytest.raises(AnnotationError, match=re.escape(message)) as err:
        main(args)
    assert '\n' not in str(err.value)
    named = args[1] if case in ('other_dataset', 'mpii_count') else args[0]
    assert named in str(err.value)


def test_bad_input_is_one_error_line(tmp_path: Path):
    from mmpose_ext.tools.common import user_error_message
    ann = tmp_path / 'not_pose.json'
    ann.write_text(json.dumps({'images': [], 'annotations': []}))
    with pytest.raises(AnnotationError) as err:
        main([str(ann), str(tmp_path / 'r.json')])
    # what the command line prints instead of a traceback (install_user_error_hook)
    line = user_error_message(err.value)
    assert line.startswith(f'annotation file {ann} is not a COCO-format keypoint file') and '\n' not in line
    with pytest.raises(FileNotFoundError, match='results file not found: .*missing.json'):
        main([str(DATA / 'coco' / 'test_coco.json'), str(tmp_path / 'missing.json')])


def test_metric_without_metainfo_says_how_to_supply_it(tmp_path: Path):
    metric = OfficialCocoMetric(ann_file=str(DATA / 'coco' / 'test_coco.json'))
    with pytest.raises(ValueError, match=r'lacks \(metainfo\): build it as OfficialCocoMetric\(ann_file=\.\.\., '
                                         r'metainfo=mmpose_ext\.datasets\.common\.mmpose_metainfo\("coco\.py"\)\).*'
                                         r'eval_results\.py ANN RESULTS'):
        metric.evaluate_results_file(str(tmp_path / 'r.json'))
    assert issubclass(ResultsFileError, AnnotationError)
