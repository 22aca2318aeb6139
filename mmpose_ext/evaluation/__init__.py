"""Metrics of the plugin; importing this package registers them into ``mmpose.registry.METRICS``."""
from . import metrics  # noqa: F401
