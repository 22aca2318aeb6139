"""Models of the plugin; importing this package registers them into ``mmpose.registry.MODELS``."""
from . import backbones, estimators, heads, losses  # noqa: F401
