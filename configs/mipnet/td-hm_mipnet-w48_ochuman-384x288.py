# OCHuman evaluation of the COCO-trained MIPNet-W48 (OCHuman has no training split), with ground-truth boxes.
# Reference: OCHuman val 74.1 AP with GT boxes (HRNet-W48 65.0); not reproduced here yet.
#   val:  python tools/test.py configs/mipnet/td-hm_mipnet-w48_ochuman-384x288.py CHECKPOINT
#   test: add --cfg-options test_dataloader.dataset.ann_file=annotations/ochuman_coco_format_test_range_0.00_1.00.json
#         test_evaluator.ann_file=data/ochuman/annotations/ochuman_coco_format_test_range_0.00_1.00.json
from mmengine.config import read_base

with read_base():
    from .._base_.mipnet_w48_recipe import *  # noqa: F401,F403
    from .._base_.mipnet_ochuman_384x288 import test_dataloader, test_evaluator, val_dataloader, val_evaluator
