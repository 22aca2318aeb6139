# PoseFix data on COCO at 384x288 (the reference's main input size): as posefix_coco_256x192, larger crops.
from mmengine.config import read_base

with read_base():
    from .posefix_coco_256x192 import *  # noqa: F401,F403

from mmpose.codecs import RegressionLabel

codec = dict(type=RegressionLabel, input_size=(288, 384))
input_pose_sigma = 9
# the inherited pipelines at this size: the crop (TopdownAffine's input_size) and the target (GenerateTarget's
# encoder)
train_pipeline = [dict(step, input_size=codec['input_size']) if 'input_size' in step else
                  dict(step, encoder=codec) if 'encoder' in step else step for step in train_pipeline]
val_pipeline = [dict(step, input_size=codec['input_size']) if 'input_size' in step else step for step in val_pipeline]
train_dataloader.dataset.pipeline = train_pipeline
val_dataloader.dataset.pipeline = val_pipeline
test_dataloader = val_dataloader
