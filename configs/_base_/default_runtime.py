# Runtime shared by every mmpose_ext config (the pure-Python twin of mmpose's default_runtime).
from mmengine.hooks import (CheckpointHook, DistSamplerSeedHook, IterTimerHook, LoggerHook, ParamSchedulerHook,
                            SyncBuffersHook)
from mmengine.runner import LogProcessor
from mmengine.visualization import LocalVisBackend
from mmpose.engine.hooks import PoseVisualizationHook
from mmpose.visualization import PoseLocalVisualizer

from mmpose_ext.engine.hooks import CheckpointMatchHook, DeferredRuntimeInfoHook, ThroughputHook
from mmpose_ext.engine.runner import QuietRunner

# mmengine reads these pure-Python configs lazily: the classes above are imported when first built. Importing the
# plugin now registers it (and its weights-only checkpoint loading) as soon as any config is read, because mmpose's
# inferencer loads the weights before it builds the model. A name starting with '__' stays out of the config.
__plugin__ = __import__('mmpose_ext')

# Classes below are given as objects; 'mmpose' as default scope keeps bare type strings coming from
# mmpose internals or --cfg-options resolvable.
default_scope = 'mmpose'
# mmengine's Runner with its environment/config dump in <log_dir>/env_and_config.txt instead of the log
runner_type = QuietRunner

default_hooks = dict(
    # mmengine's RuntimeInfoHook, reading the losses from the device at the logger's interval instead of every
    # iteration (one host synchronisation per interval)
    runtime_info=dict(type=DeferredRuntimeInfoHook),
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=50),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type=DistSamplerSeedHook),
    visualization=dict(type=PoseVisualizationHook, enable=False),
    # a load_from / --resume / test checkpoint that does not fit the model is an error, not a warning
    checkpoint_match=dict(type=CheckpointMatchHook),
)
# ThroughputHook adds img_per_s (all processes) to the training log, next to mmengine's time and data_time
custom_hooks = [dict(type=SyncBuffersHook), dict(type=ThroughputHook)]

# No dist_cfg: mmengine picks nccl on GPUs and hccl on Ascend NPUs; tools/*.py start gloo on CPUs.
# cudnn_benchmark: top-down crops have one fixed size, so cuDNN's autotuned convolutions are reused every step;
# a config whose input size varies (bottom-up inference at the image's own size) sets it back to False.
env_cfg = dict(cudnn_benchmark=True, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))

vis_backends = [dict(type=LocalVisBackend)]
visualizer = dict(type=PoseLocalVisualizer, vis_backends=vis_backends, name='visualizer')

log_processor = dict(type=LogProcessor, window_size=50, by_epoch=True, num_digits=6)
log_level = 'INFO'
load_from = None
resume = False
backend_args = dict(backend='local')

train_cfg = dict(by_epoch=True)
val_cfg = dict()
test_cfg = dict()
