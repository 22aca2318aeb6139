"""Evaluation of the plugin: its metrics (:mod:`mmpose_ext.evaluation.metrics`), exported under the same names."""
from .metrics import (CrowdPoseMetric, LspPCKMetric, MpiiPCKhMetric, MultiInstanceCocoMetric,
                      MultiInstanceCrowdPoseMetric, OfficialCocoMetric, OfficialRulesCOCOeval, PCKTableMetric,
                      PoseFixCocoMetric, PoseFixMpiiPCKhMetric, PoseFixPoseTrack18Metric, PoseTrack18APMetric)

__all__ = ['CrowdPoseMetric', 'LspPCKMetric', 'MpiiPCKhMetric', 'MultiInstanceCocoMetric',
           'MultiInstanceCrowdPoseMetric', 'OfficialCocoMetric', 'OfficialRulesCOCOeval', 'PCKTableMetric',
           'PoseFixCocoMetric', 'PoseFixMpiiPCKhMetric', 'PoseFixPoseTrack18Metric', 'PoseTrack18APMetric']
