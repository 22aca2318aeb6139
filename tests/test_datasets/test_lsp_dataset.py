"""LspDataset on the LSP-layout fixtures (real MPII people re-packed as lsp_dataset / lspet_dataset joints.mat, see
tests/data/README.md): both layouts, the split, LSP's inverted occlusion flag, 1-based file values, checks."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.io import loadmat, savemat

from mmpose_ext.datasets import LspDataset
from mmpose_ext.datasets.common import AnnotationError

DATA = Path(__file__).resolve().parents[1] / 'data' / 'lsp'


def lsp(split: str = 'all', **kw) -> LspDataset:
    return LspDataset(data_root=str(DATA), ann_file='lsp/joints.mat', data_prefix=dict(img='lsp/images/'),
                      split=split, train_count=2, pipeline=[], **kw)


def test_original_layout_split_and_flags():
    joints = loadmat(str(DATA / 'lsp' / 'joints.mat'))['joints']  # 3 x 14 x 3
    train, test = lsp('train'), lsp('test', test_mode=True)
    assert (len(train), len(test), len(lsp())) == (2, 1, 3)
    assert train.metainfo['num_keypoints'] == 14 and train.metainfo['dataset_name'] == 'lsp'
    info = train.get_data_info(0)
    assert info['img_path'].endswith('lsp/images/im0001.jpg') and info['id'] == 1
    np.testing.assert_allclose(info['keypoints'][0], joints[:2, :, 0].T - 1, atol=1e-4)
    assert info['raw_ann_info']['joints'] == joints[:2, :, 0].T.tolist()
    # LSP's third row is 1 for occluded joints: still labelled and trained on
    assert info['keypoints_visible'][0].tolist() == [1.0] * 14
    assert info['raw_ann_info']['occluded'][0] == 1 and sum(info['raw_ann_info']['occluded']) == 1
    assert test.get_data_info(0)['img_path'].endswith('im0003.jpg')
    box = info['bbox'][0]
    assert box[0] == pytest.approx(info['keypoints'][0, :, 0].min()) and box[3] == pytest.approx(
        info['keypoints'][0, :, 1].max())


def test_extended_layout_marks_unlabelled_joints():
    ds = LspDataset(data_root=str(DATA), ann_file='lspet/joints.mat', data_prefix=dict(img='lspet/images/'),
                    split='train', pipeline=[])
    assert len(ds) == 5
    info = ds.get_data_info(2)
    assert info['img_path'].endswith('im00003.jpg')
    assert info['keypoints_visible'][0].tolist() == [0.0] + [1.0] * 4 + [0.0] + [1.0] * 8  # ankles unlabelled
    assert info['num_keypoints'] == 12
    with pytest.raises(ValueError, match='LSP Extended, which has no test images'):
        LspDataset(data_root=str(DATA), ann_file='lspet/joints.mat', data_prefix=dict(img='lspet/images/'),
                   split='test', pipeline=[])


def test_bad_files_are_named(tmp_path: Path):
    savemat(str(tmp_path / 'joints.mat'), {'joints': np.zeros((3, 16, 4))})
    with pytest.raises(AnnotationError, match=r'joints.mat: "joints" has shape \(3, 16, 4\); LSP expects 3 x 14 x N'):
        LspDataset(ann_file=str(tmp_path / 'joints.mat'), pipeline=[])
    (tmp_path / 'text.mat').write_text('{"joints": []}')
    with pytest.raises(AnnotationError, match='text.mat is not a MATLAB .mat file'):
        LspDataset(ann_file=str(tmp_path / 'text.mat'), pipeline=[])
    shutil.copytree(DATA / 'lsp', tmp_path / 'lsp')
    (tmp_path / 'lsp' / 'images' / 'im0002.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'im0002.jpg  \(person 2\)'):
        LspDataset(data_root=str(tmp_path), ann_file='lsp/joints.mat', data_prefix=dict(img='lsp/images/'),
                   pipeline=[])
