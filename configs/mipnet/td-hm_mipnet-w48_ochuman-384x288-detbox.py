# OCHuman val of the COCO-trained MIPNet-W48 with detector boxes (off-the-shelf Faster R-CNN, the file the
# reference used). Reference: OCHuman val 42.0 / test 42.5 AP (HRNet-W48 37.8 / 37.2); not reproduced here yet.
from mmengine.config import read_base

with read_base():
    from .._base_.mipnet_w48_recipe import *  # noqa: F401,F403
    from .._base_.mipnet_ochuman_384x288 import test_dataloader, test_evaluator, val_dataloader, val_evaluator

val_dataloader.dataset.bbox_file = 'data/ochuman/person_detection_results/OCHuman_val2017_detections_AP_H_27_person.json'
test_dataloader = val_dataloader
