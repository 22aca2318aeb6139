"""mmpose_ext: MIPNet, PoseFix, Fast Pose Distillation and crowd datasets as an MMPose 1.x plugin.

This is the one place where the plugin registers itself: importing ``mmpose_ext`` imports every sub-package,
whose classes register into mmpose's own registries (``mmpose.registry.MODELS``, ``DATASETS``, ...), routes
mmengine's checkpoint loading through the weights-only allow-list of :mod:`mmpose_ext.utils.safe_checkpoint`, and
lets mmpose's heads convert float16/bfloat16 outputs to numpy (:mod:`mmpose_ext.utils.amp`) and works around the
parts of mmpose 1.3.2 that fail on numpy 2 or on this plugin's configs (:mod:`mmpose_ext.utils.mmpose_compat`).
"""
from .version import __version__
from .utils import enable_float32_to_numpy, enable_mmpose_compat, enable_safe_checkpoint_loading
from . import codecs, datasets, engine, evaluation, models  # noqa: F401,E402  (registration side effects)

enable_safe_checkpoint_loading()
enable_float32_to_numpy()
enable_mmpose_compat()

__all__ = ['__version__']
