"""Metrics of the plugin; importing this package registers them into ``mmpose.registry.METRICS``."""
from . import metrics  # noqa: F401
from .metrics import (CrowdPoseMetric, LspPCKMetric, MpiiPCKhMetric, OfficialCocoMetric, OfficialRulesCOCOeval,
                      PCKTableMetric)

__all__ = ['CrowdPoseMetric', 'LspPCKMetric', 'MpiiPCKhMetric', 'OfficialCocoMetric', 'OfficialRulesCOCOeval',
           'PCKTableMetric']
