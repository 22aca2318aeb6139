"""A newcomer's own data: ``--data-root`` trains and tests on the given folder, the first screen names that data,
and ``tools/test.py --show-dir`` draws every MIPNet instance of every box on the whole image."""
from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmpose_ext.tools.generate_synthetic_crowd import main as generate
from mmpose_ext.tools import test as test_tool
from mmpose_ext.tools.train import main as train_main
from mmpose_ext.visualization import LAMBDA_COLOURS

ROOT = Path(__file__).resolve().parents[2]
MIPNET = str(ROOT / 'configs' / 'mipnet' / 'td-hm_mipnet-lite_synthcrowd-128x96.py')
SMALL = ['train_dataloader.batch_size=8', 'default_hooks.logger.interval=1']
for _split in ('train', 'val', 'test'):
    SMALL += [f'{_split}_dataloader.num_workers=0', f'{_split}_dataloader.persistent_workers=False']


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A fresh 8+3-image synthetic set in a folder of its own and MIPNet-lite trained on it for one epoch."""
    tmp = tmp_path_factory.mktemp('own_data')
    data, work = tmp / 'my_set', tmp / 'work'
    generate([str(data), '--num-train', '8', '--num-val', '3', '--image-size', '160', '128', '--layout', 'coco',
              '--seed', '3', '--no-progress'])
    return data, work


def test_data_root_run_trains_on_the_given_folder(trained, capsys):
    data, work = trained
    train_main([MIPNET, '--data-root', str(data), '--work-dir', str(work), '--cfg-options',
                'train_cfg.max_epochs=1', *SMALL])
    out = capsys.readouterr().out
    assert f'--data-root {data}: 5 entries now under {data}/' in out
    summary = out[out.index('data:'):]
    assert re.search(rf'train: SyntheticCrowdDataset in MultiInstanceDataset\n\s+annotations\s+{data}/annotations/'
                     rf'coco_train.json\n\s+images\s+{data}/images/train/\s+\(8 images, \d+ persons\)\n'
                     rf'\s+boxes\s+ground truth', summary), summary[:800]
    assert re.search(rf'val: SyntheticCrowdDataset\n\s+annotations\s+{data}/annotations/coco_val.json\n\s+images\s+'
                     rf'{data}/images/val/\s+\(3 images', summary)
    assert f'scored by    MultiInstanceCocoMetric against {data}/annotations/coco_val.json' in summary
    assert 'data/synthetic_crowd' not in out[:out.index('data:') + 1000]  # the config's own folder is not used
    assert (work / 'data_summary.txt').read_text().startswith('data:\n  train: SyntheticCrowdDataset')
    assert (work / 'epoch_1.pth').is_file()


def test_show_dir_draws_all_instances_on_whole_images(trained, tmp_path: Path, capsys):
    data, work = trained
    if not (work / 'epoch_1.pth').is_file():
        pytest.skip('needs the training test above')
    pictures = tmp_path / 'pictures'
    test_tool.main([MIPNET, str(work / 'epoch_1.pth'), '--data-root', str(data), '--work-dir', str(work), '--show-dir',
               str(pictures), '--show-gt', '--kpt-thr', '0', '--cfg-options', *SMALL])
    out = capsys.readouterr().out
    assert f'--show-dir: 3 pictures written to {pictures}' in out
    files = sorted(pictures.glob('*.jpg'))
    assert [f.name for f in files] == ['000001.jpg', '000002.jpg', '000003.jpg']
    image = cv2.imread(str(files[0]))
    assert image.shape[:2] == (128, 160)  # the whole image, not a 128x96 crop

    def count(colour):
        return int((np.abs(image.astype(int) - np.array(colour)).max(axis=-1) < 40).sum())

    assert count(LAMBDA_COLOURS[0]) > 20  # lambda 0 poses and boxes
    assert count((230, 230, 230)) > 0  # the ground truth (--show-gt)
