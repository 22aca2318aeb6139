"""tools/posefix_refine.py end to end with a tiny untrained PoseFix (ResNet-18, 64x96 input): on the COCO sample
as a user runs it (subprocess), and in-process on the 14-joint CrowdPose sample."""
from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import posefix_fixture
import pytest

from mmpose_ext.datasets.common import AnnotationError, mmpose_metainfo
from mmpose_ext.tools.posefix_refine import main as refine_main
from mmpose_ext.tools.posefix_refine import parse_args, refine_config

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / 'tests' / 'data'


def results_from_gt(gt_file: Path, shift: float = 4.0) -> list:
    """A "weak estimator": each labelled person's joints shifted by a few pixels, unlabelled ones at their mean."""
    out = []
    for ann in json.loads(gt_file.read_text())['annotations']:
        kpts = np.array(ann['keypoints'], dtype=float).reshape(-1, 3)
        labelled = kpts[:, 2] > 0
        if not labelled.any():
            continue
        kpts[~labelled, :2] = kpts[labelled, :2].mean(axis=0)
        kpts[:, :2] += shift
        kpts[:, 2] = 0.7
        out.append(dict(image_id=ann['image_id'], category_id=1, keypoints=kpts.ravel().tolist(),
                        score=round(0.9 - 0.01 * len(out), 3)))
    return out


def tiny_posefix(tmp_path: Path, gt_file: Path, num_keypoints: int = 17, metainfo: str = 'coco.py',
                 **evaluator) -> tuple:
    """A PoseFix config on the sample and an untrained checkpoint: ``(config path, checkpoint path)``."""
    return posefix_fixture.tiny_posefix(tmp_path, gt_file, str(gt_file.parent) + '/', num_keypoints,
                                        dataset_options=dict(metainfo=mmpose_metainfo(metainfo)), **evaluator)


def test_refine_tool_on_coco_sample(tmp_path: Path, run_tool):
    gt = DATA / 'coco' / 'test_coco.json'
    inputs = results_from_gt(gt)
    inputs.append(dict(inputs[0], keypoints=inputs[0]['keypoints'][:-3]))  # wrong joint count
    inputs.append(dict(inputs[1], score=0.0))
    inputs.append(dict(inputs[2], image_id=4242))
    (tmp_path / 'input.json').write_text(json.dumps(inputs))
    config, checkpoint = tiny_posefix(tmp_path, gt)
    out = tmp_path / 'refined.json'
    proc = run_tool(['python', 'tools/posefix_refine.py', str(config), str(checkpoint), '--input',
                     str(tmp_path / 'input.json'), '--out', str(out), '--device', 'cpu', '--batch-size', '5',
                     '--work-dir', str(tmp_path / 'work')], env={'OMP_NUM_THREADS': '1'})
    text = proc.stdout
    refined = json.loads(out.read_text())
    suppressed = int(re.search(r'refined poses: 12 \(\d+ kept, (\d+) suppressed by OKS-NMS\)', text).group(1))
    assert len(refined) == len(inputs) - suppressed and suppressed == 0
    assert refined[-3:] == inputs[-3:]  # passed through unchanged, in place
    for entry, source in zip(refined[:-3], inputs[:-3]):
        assert set(entry) == {'image_id', 'category_id', 'keypoints', 'score'}
        assert (entry['image_id'], entry['score']) == (source['image_id'], source['score'])
        assert len(entry['keypoints']) == 51 and entry['keypoints'][2::3] == [source['score']] * 17
        assert entry['keypoints'] != source['keypoints']
    for line in ('passed through unchanged: 3', 'wrong number of keypoints: 1', 'score <= 0: 1',
                 'unknown image id: 1', f'written to {out}'):
        assert line in text, text[-3000:]
    assert re.search(r'throughput: 12 poses in [\d.]+ s = [\d.]+ poses/s on cpu \(batch size 5', text)
    rules = text[text.index('COCO keypoint AP of'):].splitlines()[0]
    assert 'OKS-NMS at 0.9 per image' in rules and 'score mode "bbox"' in rules and 'xtcocotools' in rules
    # the malformed entries it passed through keep the file from being scored as it is; the line says why
    assert re.search(r'^the input file as given \(no NMS, official rules, as tools/analysis/eval_results\.py \S+ '
                     r'\S+ scores it\): not scored: results file .*entry \[12\] has 48 keypoint values', text, re.M)
    table = text[text.index('metric   input'):].splitlines()
    assert table[0].split() == ['metric', 'input', 'refined', 'change']
    assert [row.split()[0] for row in table[1:4]] == ['AP', 'AP', 'AP']  # AP, AP .5, AP .75
    input_ap = float(table[1].split()[1])
    assert 0.2 < input_ap < 1.0  # a few pixels off: the input scores between nothing and ground truth


def test_refine_tool_on_crowdpose_layout(tmp_path: Path, capsys):
    gt = DATA / 'crowdpose' / 'test_crowdpose.json'
    inputs = results_from_gt(gt)
    (tmp_path / 'input.json').write_text(json.dumps(inputs))
    config, checkpoint = tiny_posefix(tmp_path, gt, num_keypoints=14, metainfo='crowdpose.py',
                                      iou_type='keypoints_crowd', use_area=False)
    out = tmp_path / 'refined.json'
    # a cascade config refines a file too: the tool runs the plain test loop, not the config's estimator stage
    cascade = ['test_cfg.type=PoseFixCascadeTestLoop', 'test_cfg.estimator_config=none.py',
               'test_cfg.estimator_checkpoint=none.pth']
    metrics = refine_main([str(config), str(checkpoint), '--input', str(tmp_path / 'input.json'), '--out', str(out),
                           '--work-dir', str(tmp_path / 'work'), '--cfg-options', *cascade])
    refined = json.loads(out.read_text())
    assert len(refined) == len(inputs) == 4
    assert all(len(entry['keypoints']) == 42 for entry in refined)
    assert {'input/AP', 'refined/AP', 'input/AP(E)', 'refined/AP(H)'} <= set(metrics)
    assert metrics['input/AP'] > 0.2
    # under the table: the input file as given, as eval_results.py scores it (no NMS, crowdposetools' rules)
    from mmpose_ext.tools.eval_results import score_coco_layout
    official = score_coco_layout('crowdpose', str(gt), str(tmp_path / 'input.json'))['crowdpose/AP']
    line = next(li for li in capsys.readouterr().out.splitlines() if li.startswith('the input file as given'))
    assert 'no NMS, scores as given, official crowdpose rules' in line and line.endswith(f'AP {official:.4f} (the '
                                                                                          f'input column above is '
                                                                                          f'after its OKS-NMS and '
                                                                                          f'under xtcocotools\' rules)')


def test_refine_tool_refuses_a_config_without_posefix_metric(tmp_path: Path):
    gt = DATA / 'coco' / 'test_coco.json'
    (tmp_path / 'input.json').write_text(json.dumps(results_from_gt(gt)))
    config, checkpoint = tiny_posefix(tmp_path, gt)
    with pytest.raises(ValueError, match='test_evaluator must be one PoseFixCocoMetric'):
        refine_main([str(config), str(checkpoint), '--input', str(tmp_path / 'input.json'), '--out', 'x.json',
                     '--cfg-options', 'test_evaluator.type=CocoMetric'])
    with pytest.raises(FileNotFoundError, match='--input results file not found'):
        refine_main([str(config), str(checkpoint), '--input', str(tmp_path / 'none.json'), '--out', 'x.json'])


def test_refine_config_from_a_shipped_config(tmp_path: Path):
    """The shipped configs give classes, not names: the folded-in config must still print (the Runner logs it)."""
    gt = DATA / 'coco' / 'test_coco.json'
    (tmp_path / 'input.json').write_text('[]')
    (tmp_path / 'posefix.pth').write_bytes(b'')
    args = parse_args([str(ROOT / 'configs' / 'posefix' / 'posefix_r50_coco-256x192.py'), str(tmp_path / 'posefix.pth'),
                       '--input', str(tmp_path / 'input.json'), '--out', str(tmp_path / 'out.json'),
                       '--ann-file', str(gt), '--img-prefix', str(gt.parent), '--batch-size', '3'])
    cfg = refine_config(args)
    before, after = cfg.test_evaluator
    assert (before['pose_source'], after['pose_source']) == ('input', 'refined')
    assert after['out_file'] == str(tmp_path / 'out.json') and before['out_file'] is None
    assert before['ann_file'] == after['ann_file'] == str(gt)
    dataset = cfg.test_dataloader.dataset
    assert (dataset.results_file, dataset.ann_file, cfg.test_dataloader.batch_size) == (
        str(tmp_path / 'input.json'), str(gt), 3)
    assert cfg.train_dataloader is None and cfg.test_cfg == {}
    assert 'PoseFixCocoMetric' in cfg.pretty_text


def test_ann_file_needs_img_prefix(tmp_path: Path, capsys):
    """Without --img-prefix the images would silently come from the config's folder, another set's."""
    with pytest.raises(SystemExit):
        parse_args(['c.py', 'c.pth', '--input', 'i.json', '--out', 'o.json', '--ann-file', 'mine.json'])
    assert '--ann-file needs --img-prefix' in capsys.readouterr().err


def test_images_of_another_size_are_refused(tmp_path: Path):
    gt = DATA / 'coco' / 'test_coco.json'
    data = json.loads(gt.read_text())
    data['images'][0]['width'] += 10  # as if the annotation file described other images
    other = tmp_path / 'other.json'
    other.write_text(json.dumps(data))
    (tmp_path / 'input.json').write_text(json.dumps(results_from_gt(gt)))
    config, checkpoint = tiny_posefix(tmp_path, gt)
    name = data['images'][0]['file_name']
    with pytest.raises(AnnotationError, match=f'1 of 4 images do not match .*\n  .*{name} is '):
        refine_main([str(config), str(checkpoint), '--input', str(tmp_path / 'input.json'), '--out',
                     str(tmp_path / 'o.json'), '--ann-file', str(other), '--img-prefix', str(gt.parent),
                     '--work-dir', str(tmp_path / 'work')])


def test_show_dir_writes_input_and_refined_pictures(tmp_path: Path, capsys):
    gt = DATA / 'coco' / 'test_coco.json'
    (tmp_path / 'input.json').write_text(json.dumps(results_from_gt(gt)))
    config, checkpoint = tiny_posefix(tmp_path, gt)
    refine_main([str(config), str(checkpoint), '--input', str(tmp_path / 'input.json'), '--out',
                 str(tmp_path / 'refined.json'), '--work-dir', str(tmp_path / 'work'), '--show-dir',
                 str(tmp_path / 'pics'), '--num-pictures', '2'])
    pictures = sorted((tmp_path / 'pics').glob('*.jpg'))
    assert len(pictures) == 2
    assert f'--show-dir: 2 input-vs-refined pictures written to {tmp_path / "pics"}' in capsys.readouterr().out
    image = cv2.imread(str(pictures[0]))
    assert image.shape[1] >= 2 * image.shape[0] * 0.5  # two tiles side by side: input, refined
