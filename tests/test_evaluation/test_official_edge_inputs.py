"""OfficialCocoMetric / CrowdPoseMetric on the inputs where float32 sigmas, ids <= 0 or an empty results list
would part them from pycocotools / crowdposetools, for the COCO, OCHuman and CrowdPose layouts."""
from __future__ import annotations

import contextlib
import io
import json
import logging
import math
from pathlib import Path
from typing import Iterator, List

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from mmpose_ext.datasets import CrowdPoseOfficialDataset, OCHumanOfficialDataset, PoseFixCocoDataset
from mmpose_ext.datasets.common import AnnotationError, mmpose_metainfo
from mmpose_ext.evaluation.metrics import CrowdPoseMetric, OfficialCocoMetric
from mmpose_ext.evaluation.metrics.official_cocoeval import official_sigmas

DATA = Path(__file__).resolve().parents[1] / 'data'
# written here as the official evaluators write them (pycocotools cocoeval.py, crowdposetools cocoeval.py)
PYCOCOTOOLS_SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89,
                               .89]) / 10.0
CROWDPOSETOOLS_SIGMAS = np.array([.79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89, .79, .79]) / 10.0

LAYOUTS = {  # layout: (sample file, metainfo, official sigmas, OKS area from "area" (else bbox w * h * 0.53))
    'coco': (DATA / 'coco' / 'test_coco.json', 'coco.py', PYCOCOTOOLS_SIGMAS, True),
    'ochuman': (DATA / 'ochuman' / 'test_ochuman.json', 'ochuman.py', PYCOCOTOOLS_SIGMAS, True),
    'crowdpose': (DATA / 'crowdpose' / 'test_crowdpose.json', 'crowdpose.py', CROWDPOSETOOLS_SIGMAS, False),
}


def make_metric(layout: str, ann_file: str, **kwargs):
    if layout == 'crowdpose':
        return CrowdPoseMetric(ann_file=ann_file, **kwargs)
    return OfficialCocoMetric(ann_file=ann_file, metainfo=mmpose_metainfo(LAYOUTS[layout][1]), prefix=layout,
                              **kwargs)


def evaluate_file(layout: str, ann_file: str, results: list, tmp_path: Path) -> dict:
    res = tmp_path / 'res.json'
    res.write_text(json.dumps(results))
    with contextlib.redirect_stdout(io.StringIO()):
        out = make_metric(layout, ann_file).evaluate_results_file(str(res))
    return {k.split('/')[1]: v for k, v in out.items()}


@contextlib.contextmanager
def logged_warnings() -> Iterator[List[str]]:
    logger = MMLogger.get_current_instance()
    messages: List[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


# 1. OKS sigmas: float64 and literally the official arrays

@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_sigmas_are_the_official_float64_arrays(layout: str):
    mmpose_sigmas = parse_pose_metainfo(mmpose_metainfo(LAYOUTS[layout][1]))['sigmas']
    assert mmpose_sigmas.dtype == np.float32  # what mmpose hands the metric
    sigmas = official_sigmas(mmpose_sigmas)
    assert sigmas.dtype == np.float64 and sigmas.tobytes() == LAYOUTS[layout][2].tobytes()
    # another layout keeps the values its metainfo wrote, in float64
    assert official_sigmas(np.array([0.079, 0.033], np.float32)).tolist() == [0.079, 0.033]


def one_person_file(tmp_path: Path, layout: str, joint: int, x: float) -> tuple:
    """A one-person file with one labelled joint at (100, 100), and a detection of it at (x, 100)."""
    sigmas = LAYOUTS[layout][2]
    k = len(sigmas)
    gt_kpts = np.zeros((k, 3))
    gt_kpts[joint] = (100.0, 100.0, 2)
    ann = dict(id=1, image_id=1, category_id=1, iscrowd=0, keypoints=gt_kpts.ravel().tolist(), num_keypoints=1,
               bbox=[60.0, 40.0, 80.0, 120.0])
    image = dict(id=1, file_name='1.jpg', width=200, height=200)
    if LAYOUTS[layout][3]:
        ann['area'] = 6000.0
    else:
        image['crowdIndex'] = 0.5
    gt = dict(images=[image], annotations=[ann],
              categories=[dict(id=1, name='person', keypoints=[str(i) for i in range(k)], skeleton=[])])
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(gt))
    det_kpts = np.zeros((k, 3))
    det_kpts[:, 2] = 1.0
    det_kpts[joint] = (x, 100.0, 1.0)
    return str(path), [dict(image_id=1, category_id=1, keypoints=det_kpts.ravel().tolist(), score=0.9)]


def oks_one_joint(dx: float, var: float, area: float) -> float:
    """The OKS of a one-joint person as the evaluators compute it, with var = (2 sigma) ** 2."""
    return math.exp(-dx * dx / var / (area + np.spacing(1)) / 2)


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_detection_at_oks_threshold_matches_as_officially(tmp_path: Path, layout: str):
    """A detection whose OKS lies between the float32- and float64-sigma values of the 0.5 threshold: AP50 must
    be the official one (float64), not the one of mmpose's float32 sigmas."""
    official = LAYOUTS[layout][2]
    mmpose32 = parse_pose_metainfo(mmpose_metainfo(LAYOUTS[layout][1]))['sigmas']
    vars64, vars32 = (official * 2) ** 2, (mmpose32 * 2) ** 2  # as the evaluators compute them
    joint = int(np.argmax(np.abs(vars32 - vars64) / vars64))
    var64, var32 = float(vars64[joint]), float(vars32[joint])
    area = 6000.0 if LAYOUTS[layout][3] else 80.0 * 120.0 * 0.53
    # the distance at which OKS = 0.5 with each; halfway between, the two OKS straddle 0.5 by ~1e-8
    x = 100.0 + sum(math.sqrt(2 * math.log(2) * var * area) for var in (var64, var32)) / 2
    oks64, oks32 = oks_one_joint(x - 100.0, var64, area), oks_one_joint(x - 100.0, var32, area)
    assert (oks64 >= 0.5) != (oks32 >= 0.5) and abs(oks64 - 0.5) > 1e-10  # the case straddles, clear of rounding
    official_ap50 = 1.0 if oks64 >= 0.5 else 0.0

    gt_file, results = one_person_file(tmp_path, layout, joint, x)
    assert evaluate_file(layout, gt_file, results, tmp_path)['AP .5'] == pytest.approx(official_ap50)
    # what the same evaluation gives with mmpose's float32 sigmas: the other answer
    iou_type = 'keypoints_crowd' if layout == 'crowdpose' else 'keypoints'
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt_file)
        ev = COCOeval(coco, coco.loadRes(str(tmp_path / 'res.json')), iou_type, mmpose32, LAYOUTS[layout][3])
        ev.evaluate(), ev.accumulate(), ev.summarize()
    assert ev.stats[1] == pytest.approx(1.0 - official_ap50)


# 2. annotation ids <= 0 are refused, naming the file and the entry

def file_with_id(tmp_path: Path, layout: str, ann_id) -> Path:
    data = json.loads(LAYOUTS[layout][0].read_text())
    data['annotations'][1]['id'] = ann_id
    path = tmp_path / f'ids_{layout}.json'
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
@pytest.mark.parametrize('ann_id', [0, -1, -7005, 3.0, '12'])
def test_metric_refuses_annotation_ids_below_1(tmp_path: Path, layout: str, ann_id):
    path = file_with_id(tmp_path, layout, ann_id)
    with pytest.raises(AnnotationError, match=rf'ids_{layout}.json: annotations\[1\] \(id {ann_id}, image_id \d+\) '
                                              rf'has annotation id .*integers >= 1.*renumber_annotation_ids'):
        make_metric(layout, str(path))


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_dataset_refuses_negative_annotation_ids(tmp_path: Path, layout: str):
    path = file_with_id(tmp_path, layout, -2)
    folder = LAYOUTS[layout][0].parent
    dataset = dict(coco=lambda **kw: PoseFixCocoDataset(estimated_results_file=None, **kw),
                   ochuman=OCHumanOfficialDataset, crowdpose=CrowdPoseOfficialDataset)[layout]
    with pytest.raises(AnnotationError, match=rf'ids_{layout}.json: annotations\[1\] \(id -2, '):
        dataset(data_root=str(folder), ann_file=str(path), data_prefix=dict(img=''))
    assert len(dataset(data_root=str(folder), ann_file=LAYOUTS[layout][0].name, data_prefix=dict(img=''))) > 0


# 3. no detections: a warning that says so, and zeros

@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_empty_results_file_warns_and_scores_zero(tmp_path: Path, layout: str):
    with logged_warnings() as warned:
        m = evaluate_file(layout, str(LAYOUTS[layout][0]), [], tmp_path)
    assert any('NO DETECTIONS' in w and 'res.json is an empty list' in w for w in warned), warned
    assert m['AP'] == m['AP .5'] == m['AR'] == 0.0 and set(m.values()) <= {0.0, -1.0}


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_test_run_without_predictions_warns_and_scores_zero(tmp_path: Path, layout: str):
    """The runner's path (``evaluate`` after no ``process`` call), where mmpose's CocoMetric raises ValueError."""
    metric = make_metric(layout, str(LAYOUTS[layout][0]), outfile_prefix=str(tmp_path / 'run'))
    metric.dataset_meta = parse_pose_metainfo(mmpose_metainfo(LAYOUTS[layout][1]))
    with logged_warnings() as warned, contextlib.redirect_stdout(io.StringIO()):
        out = metric.evaluate(0)
    assert any('NO DETECTIONS: no prediction reached the metric' in w for w in warned), warned
    assert out[f'{layout}/AP'] == 0.0 and set(out.values()) <= {0.0, -1.0}
    assert json.loads((tmp_path / 'run.keypoints.json').read_text()) == []
