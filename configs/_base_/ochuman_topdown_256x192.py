# OCHuman evaluation data at 256x192 (there is no OCHuman training split: models are trained on COCO).
# val_dataloader: OCHuman val, test_dataloader: OCHuman test, both with ground-truth boxes; for detector boxes set
# test_dataloader.dataset.bbox_file=<detection results of the same split>. See docs/data_preparation.md.
from mmengine.dataset import DefaultSampler
from mmpose.datasets import GetBBoxCenterScale, LoadImage, PackPoseInputs, TopdownAffine

from mmpose_ext.datasets import OCHumanOfficialDataset
from mmpose_ext.evaluation.metrics import OfficialCocoMetric

ochuman_root = 'data/ochuman/'
ochuman_pipeline = [
    dict(type=LoadImage),
    dict(type=GetBBoxCenterScale),
    dict(type=TopdownAffine, input_size=(192, 256)),
    dict(type=PackPoseInputs),
]
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=OCHumanOfficialDataset, data_root=ochuman_root, data_mode='topdown',
                 ann_file='annotations/ochuman_coco_format_val_range_0.00_1.00.json',
                 data_prefix=dict(img='images/'), test_mode=True, pipeline=ochuman_pipeline))
test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type=DefaultSampler, shuffle=False, round_up=False),
    dataset=dict(type=OCHumanOfficialDataset, data_root=ochuman_root, data_mode='topdown',
                 ann_file='annotations/ochuman_coco_format_test_range_0.00_1.00.json',
                 data_prefix=dict(img='images/'), test_mode=True, pipeline=ochuman_pipeline))
val_evaluator = dict(type=OfficialCocoMetric, prefix='ochuman',
                     ann_file=ochuman_root + 'annotations/ochuman_coco_format_val_range_0.00_1.00.json')
test_evaluator = dict(type=OfficialCocoMetric, prefix='ochuman',
                      ann_file=ochuman_root + 'annotations/ochuman_coco_format_test_range_0.00_1.00.json')
