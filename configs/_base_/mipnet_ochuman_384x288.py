# OCHuman val with ground-truth boxes, for evaluating a COCO-trained MIPNet at 384x288 (17 COCO joints).
from mmengine.config import read_base

with read_base():
    from .mipnet_coco_384x288 import *  # noqa: F401,F403

from mmpose_ext.datasets import OCHumanOfficialDataset

ochuman_root = 'data/ochuman/'
ochuman_val = 'annotations/ochuman_coco_format_val_range_0.00_1.00.json'
val_dataloader.dataset = dict(type=OCHumanOfficialDataset, data_root=ochuman_root, data_mode='topdown',
                              ann_file=ochuman_val, data_prefix=dict(img='images/'), test_mode=True,
                              pipeline=val_pipeline)
test_dataloader = val_dataloader
val_evaluator = dict(type=MultiInstanceCocoMetric, ann_file=ochuman_root + ochuman_val)
test_evaluator = val_evaluator
