"""PoseFix on MPII: the COCO-style file of mpii_to_coco.py trains PoseFixMpiiDataset with MPII's own layout."""
from __future__ import annotations

import json
from pathlib import Path

from mmpose.codecs import RegressionLabel
from mmpose.datasets import GetBBoxCenterScale, LoadImage, TopdownAffine

from mmpose_ext.datasets import PoseFixMpiiDataset
from mmpose_ext.datasets.common import mmpose_metainfo
from mmpose_ext.datasets.posefix_inputs import ground_truth_with_errors
from mmpose_ext.datasets.transforms import SynthesizePoseErrors
from mmpose_ext.tools.mpii_to_coco import main as mpii_to_coco

MPII = Path(__file__).resolve().parents[1] / 'data' / 'mpii'


def test_mpii_training_samples_use_mpii_layout(tmp_path):
    coco = tmp_path / 'mpii_train_coco.json'
    mpii_to_coco([str(MPII / 'test_mpii.json'), str(coco), '--img-dir', str(MPII)])
    data = json.loads(coco.read_text())
    assert [len(a['keypoints']) for a in data['annotations']] == [48] * 5
    assert all('bbox_head' not in a for a in data['annotations'])  # no head boxes without --headbox-file
    estimated = ground_truth_with_errors(str(coco), mmpose_metainfo('mpii.py'), seed=0)
    (tmp_path / 'estimated.json').write_text(json.dumps(estimated))
    codec = dict(type=RegressionLabel, input_size=(192, 256))
    ds = PoseFixMpiiDataset(ann_file=str(coco), data_prefix=dict(img=str(MPII) + '/'),
                            estimated_results_file=str(tmp_path / 'estimated.json'),
                            pipeline=[dict(type=LoadImage), dict(type=GetBBoxCenterScale),
                                      dict(type=TopdownAffine, input_size=codec['input_size']),
                                      dict(type=SynthesizePoseErrors, seed=0)])
    assert ds.metainfo['num_keypoints'] == 16 and len(ds) == 5
    sample = ds[0]
    assert sample['input_keypoints'].shape == (1, 16, 2) and sample['keypoint_sigmas'][9] == ds.metainfo['sigmas'][9]
    assert sample['input_keypoints_visible'].sum() > 0
