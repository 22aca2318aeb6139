"""tools/dataset_converters/renumber_annotation_ids.py turns a file with annotation id 0 into one the datasets and
metrics accept, changing nothing but the ids."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mmpose_ext.datasets import CrowdPoseOfficialDataset
from mmpose_ext.datasets.common import AnnotationError
from mmpose_ext.tools import renumber_annotation_ids as tool

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / 'tests' / 'data' / 'crowdpose' / 'test_crowdpose.json'


def test_renumbered_file_loads_and_keeps_everything_but_ids(tmp_path: Path, capsys):
    data = json.loads(SAMPLE.read_text())
    for i, ann in enumerate(data['annotations']):
        ann['id'] = i  # 0, 1, 2, ...: what a converter counting from 0 writes
    src, dst = tmp_path / 'with_zero.json', tmp_path / 'test_crowdpose.json'
    src.write_text(json.dumps(data))
    for img in data['images']:
        shutil.copy(SAMPLE.parent / img['file_name'], tmp_path / img['file_name'])
    with pytest.raises(AnnotationError, match='id 0'):
        CrowdPoseOfficialDataset(data_root=str(tmp_path), ann_file='with_zero.json', data_prefix=dict(img=''))

    tool.main([str(src), str(dst)])
    assert '5 ids changed (now 1..5)' in capsys.readouterr().out
    out = json.loads(dst.read_text())
    assert [a['id'] for a in out['annotations']] == [1, 2, 3, 4, 5]
    for a, b in zip(out['annotations'], data['annotations']):
        assert {k: v for k, v in a.items() if k != 'id'} == {k: v for k, v in b.items() if k != 'id'}
    assert out['images'] == data['images'] and out['categories'] == data['categories']
    ds = CrowdPoseOfficialDataset(data_root=str(tmp_path), ann_file='test_crowdpose.json', data_prefix=dict(img=''))
    assert len(ds) == 4


def test_refuses_to_overwrite_its_input(tmp_path: Path):
    src = tmp_path / 'a.json'
    src.write_text(SAMPLE.read_text())
    with pytest.raises(SystemExit):
        tool.main([str(src), str(src)])
