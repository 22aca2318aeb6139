"""`make demo` end to end at toy size: data generation, untrained evaluation, training, evaluation, picture."""
from __future__ import annotations

import sys
from pathlib import Path

import cv2


def test_demo_runs_end_to_end(run_tool, tmp_path: Path):
    work, data = tmp_path / 'demo', tmp_path / 'synthetic'
    proc = run_tool([sys.executable, 'tools/demo.py', '--work-dir', str(work), '--data-root', str(data),
                     '--num-train', '8', '--num-val', '3', '--epochs', '1', '--num-pictures', '3'])
    out = proc.stdout
    assert (data / 'annotations' / 'coco_train.json').is_file()
    assert 'untrained' in out and 'trained' in out and 'AP .5' in out, out[-2000:]
    picture = work / 'predictions.jpg'
    assert f'picture of predicted poses on validation images: {picture}' in out
    image = cv2.imread(str(picture))
    assert image is not None and image.shape[0] >= 200 and image.shape[1] >= 700  # 3 tiles of 256 px
