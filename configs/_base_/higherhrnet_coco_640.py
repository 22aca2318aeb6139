# HigherHRNet on COCO at 640x640: the 512 recipe with 640 inputs (maps 160 and 320) and 10 images per GPU; the
# reference trains its 640 models in FP16 (here: tools/train.py --amp). Derived configs must re-assign the
# pipelines and codecs they change, as mmengine copies every base variable separately.
from mmengine.config import read_base

with read_base():
    from .higherhrnet_coco_512 import *  # noqa: F401,F403

from mmpose.codecs import AssociativeEmbedding

input_size = (640, 640)
target_codecs = [dict(type=AssociativeEmbedding, input_size=input_size, heatmap_size=(160, 160), sigma=2),
                 dict(type=AssociativeEmbedding, input_size=input_size, heatmap_size=(320, 320), sigma=2)]
codec.update(input_size=input_size, heatmap_size=(160, 160))
train_pipeline[1].update(input_size=input_size)
train_pipeline[3].update(encoder=target_codecs)
val_pipeline[1].update(input_size=input_size)
train_dataloader.update(batch_size=10)
train_dataloader.dataset.dataset.pipeline = train_pipeline
val_dataloader.dataset.pipeline = val_pipeline
test_dataloader = val_dataloader
auto_scale_lr.update(base_batch_size=40)  # 4 GPUs x 10 images
model.head.decoder = codec
