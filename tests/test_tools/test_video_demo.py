"""tools/video_demo.py as a user runs it: a small video and a folder of frames through an untrained small HRNet,
the annotated video with one frame per input frame, the frames/s summary, per-frame boxes, and clear errors on
bad input. The split preprocess/forward/decode steps give the same poses as mmpose's inference_topdown."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmpose_ext.analysis.benchmark import build_model
from mmpose_ext.tools.video_demo import VideoPoseDemo, load_bbox_file, main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py'
SUMMARY = re.compile(r'video_demo: (\d+) frames, (\d+\.\d) frames/s \(read \d+%, preprocess \d+%, forward \d+%, '
                     r'decode \d+%, draw \d+%, write \d+%\)')


def frame_count(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    """An untrained checkpoint of the small HRNet, an 8-frame 64x64 video and the same frames as PNG files."""
    tmp = tmp_path_factory.mktemp('video_demo')
    torch.manual_seed(0)
    checkpoint = tmp / 'untrained.pth'
    torch.save({'state_dict': build_model(Config.fromfile(str(ROOT / CONFIG))).state_dict(), 'meta': {}},
               checkpoint)
    images = sorted((ROOT / 'tests' / 'data' / 'coco').glob('*.jpg'))
    frames = [cv2.resize(cv2.imread(str(images[i % len(images)])), (64, 64)) for i in range(8)]
    video, folder = tmp / 'clip.mp4', tmp / 'frames'
    folder.mkdir()
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10, (64, 64))
    for i, frame in enumerate(frames):
        writer.write(frame)
        cv2.imwrite(str(folder / f'{i:03d}.png'), frame)
    writer.release()
    assert frame_count(video) == 8
    return dict(tmp=tmp, checkpoint=checkpoint, video=video, folder=folder, frames=frames)


def test_video_file_gives_annotated_video_and_fps(run_tool, inputs):
    out = inputs['tmp'] / 'out' / 'annotated.mp4'
    proc = run_tool([sys.executable, 'tools/video_demo.py', CONFIG, str(inputs['checkpoint']), '--input',
                     str(inputs['video']), '--out', str(out), '--device', 'cpu', '--show-fps'])
    match = SUMMARY.search(proc.stdout)
    assert match, proc.stdout[-2000:]
    assert int(match.group(1)) == 8 and float(match.group(2)) > 0
    assert frame_count(out) == 8
    capture = cv2.VideoCapture(str(out))
    assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (64, 64)
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10)  # the input's frame rate
    for stage in ('read', 'preprocess', 'forward', 'decode', 'draw', 'write', 'loop'):
        assert re.search(rf'^{stage} +\d+\.\d{{3}} +\d+\.\d +\d+\.\d%$', proc.stdout, re.M), stage


def test_frame_folder_with_per_frame_boxes_and_max_frames(inputs, capsys):
    boxes = [{'image_id': i, 'bbox': [4, 4, 40, 56], 'score': 0.9} for i in range(4)]
    boxes += [{'image_id': 0, 'bbox': [30, 2, 30, 60]}, {'image_id': 20, 'bbox': [0, 0, 10, 10]}]
    bbox_file = inputs['tmp'] / 'boxes.json'
    bbox_file.write_text(json.dumps(boxes))
    out = inputs['tmp'] / 'folder.mp4'
    summary = main([str(ROOT / CONFIG), str(inputs['checkpoint']), '--input', str(inputs['folder']), '--out',
                    str(out), '--device', 'cpu', '--bbox-file', str(bbox_file), '--max-frames', '5', '--out-fps', '5'])
    stdout = capsys.readouterr().out
    assert SUMMARY.search(stdout).group(1) == '5' and summary['frames'] == 5
    assert frame_count(out) == 5
    assert cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FPS) == pytest.approx(5)
    # nothing is dropped silently: frame 4 has no box, frame 20 is past the frames read
    assert '1 frames had no box in the bbox file' in stdout
    assert 'boxes for 1 frame indices past the last frame read (20..20)' in stdout
    # the loop's wall time covers every stage: shares of the stages add up to at most the whole
    assert sum(summary['stage_seconds'].values()) <= summary['seconds']


def test_split_steps_equal_mmposes_inference_topdown(inputs):
    from mmpose.apis import inference_topdown, init_model
    model = init_model(str(ROOT / CONFIG), str(inputs['checkpoint']), device='cpu')
    demo = VideoPoseDemo(model)
    frame = inputs['frames'][0]
    boxes = np.array([[4, 4, 44, 60], [30, 2, 60, 62]], dtype=np.float32)
    ours = demo.estimate(frame, boxes)
    reference = inference_topdown(model, frame, boxes)
    assert len(ours) == len(reference) == 2
    for a, b in zip(ours, reference):
        np.testing.assert_allclose(a.pred_instances.keypoints, b.pred_instances.keypoints, rtol=0, atol=1e-4)
        np.testing.assert_allclose(a.pred_instances.keypoint_scores, b.pred_instances.keypoint_scores, atol=1e-5)
    assert demo.seconds['preprocess'] > 0 and demo.seconds['forward'] > 0 and demo.seconds['decode'] > 0


def test_bad_inputs_fail_with_clear_messages(inputs):
    tmp = inputs['tmp']
    args = [str(ROOT / CONFIG), str(inputs['checkpoint']), '--out', str(tmp / 'bad.mp4'), '--input']
    with pytest.raises(FileNotFoundError, match='input not found: no/such/clip.mp4'):
        main(args + ['no/such/clip.mp4'])
    (tmp / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no image files .* in folder .*empty'):
        main(args + [str(tmp / 'empty')])
    (tmp / 'not_a_video.mp4').write_text('hello')
    with pytest.raises(ValueError, match='not_a_video.mp4'):
        main(args + [str(tmp / 'not_a_video.mp4')])
    broken = tmp / 'broken_frames'
    broken.mkdir()
    cv2.imwrite(str(broken / '000.png'), inputs['frames'][0])
    (broken / '001.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='cannot read image .*001.png'):
        main(args + [str(broken)])
    with pytest.raises(SystemExit):  # argparse: x2 <= x1
        main(args + [str(inputs['video']), '--bbox', '10', '0', '5', '20'])


@pytest.mark.parametrize('content, message', [
    ('{"image_id": 0}', 'must hold a json list'),
    ('[{"image_id": 0, "bbox": [0, 0, 5, 5]}, {"bbox": [0, 0, 5, 5]}]', 'entry 1: expected'),
    ('[{"image_id": -1, "bbox": [0, 0, 5, 5]}]', 'entry 0: image_id must be a frame index'),
    ('[{"image_id": 0, "bbox": [0, 0, 5]}]', 'entry 0: bbox must be four numbers'),
    ('[{"image_id": 0, "bbox": [0, 0, 0, 5]}]', 'entry 0: bbox width and height must be positive'),
    ('[{"image_id": 0, "bbox": [0, 0, 5, 5]', 'not valid json'),
])
def test_bbox_file_errors_name_the_file_and_entry(tmp_path: Path, content: str, message: str):
    path = tmp_path / 'boxes.json'
    path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        load_bbox_file(str(path))
    assert str(path) in str(err.value)


def test_bbox_file_boxes_become_xyxy_per_frame(tmp_path: Path):
    path = tmp_path / 'boxes.json'
    path.write_text(json.dumps([{'image_id': 2, 'bbox': [1, 2, 10, 20]}, {'image_id': 2, 'bbox': [0, 0, 4, 4]}]))
    boxes = load_bbox_file(str(path))
    assert list(boxes) == [2]
    np.testing.assert_array_equal(boxes[2], [[1, 2, 11, 22], [0, 0, 4, 4]])


def test_mipnet_lambdas_are_coloured_as_in_show_dir():
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample

    from mmpose_ext.tools.video_demo import draw_frame_predictions
    from mmpose_ext.visualization import LAMBDA_COLOURS

    def colour_pixels(image, colour):
        return int((np.abs(image.astype(int) - np.array(colour)).max(axis=-1) < 30).sum())

    frame = np.zeros((120, 160, 3), np.uint8)
    skeleton = [(0, 1), (1, 2), (2, 3), (3, 4)]
    poses = np.array([[[40, 20 + 15 * k] for k in range(5)], [[110, 20 + 15 * k] for k in range(5)]], np.float32)
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(keypoints=poses, keypoint_scores=np.ones((2, 5), np.float32),
                                         instance_ids=np.array([0, 1]))  # MIPNet: lambda 0 and lambda 1 of a box
    box = np.array([[10, 5, 150, 110]], np.float32)
    canvas = draw_frame_predictions(frame, [sample], box, skeleton)
    assert colour_pixels(canvas, LAMBDA_COLOURS[0]) > 50 and colour_pixels(canvas, LAMBDA_COLOURS[1]) > 50
    assert not frame.any()  # the frame itself is not drawn on
    # a one-pose-per-box model keeps one colour per person, without a lambda legend
    plain = PoseDataSample()
    plain.pred_instances = InstanceData(keypoints=poses[:1], keypoint_scores=np.ones((1, 5), np.float32))
    canvas = draw_frame_predictions(frame, [plain], box, skeleton)
    assert colour_pixels(canvas, LAMBDA_COLOURS[1]) == 0
