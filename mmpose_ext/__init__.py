"""mmpose_ext: MIPNet, PoseFix, Fast Pose Distillation and crowd datasets as an MMPose 1.x plugin.

This is the one place where the plugin registers itself: importing ``mmpose_ext`` imports every sub-package,
whose classes register into mmpose's own registries (``mmpose.registry.MODELS``, ``DATASETS``, ...), and routes
mmengine's checkpoint loading through the weights-only allow-list of :mod:`mmpose_ext.utils.safe_checkpoint`.
"""
from .version import __version__
from .utils import enable_safe_checkpoint_loading
from . import codecs, datasets, engine, evaluation, models  # noqa: F401,E402  (registration side effects)

enable_safe_checkpoint_loading()

__all__ = ['__version__']
