"""Metrics of the plugin; importing this package registers them into ``mmpose.registry.METRICS``."""
from .crowdpose_metric import CrowdPoseMetric
from .lsp_pck_metric import LspPCKMetric
from .mpii_pckh_metric import MpiiPCKhMetric
from .multi_instance_coco_metric import MultiInstanceCocoMetric, MultiInstanceCrowdPoseMetric
from .official_coco_metric import OfficialCocoMetric
from .official_cocoeval import OfficialRulesCOCOeval
from .pck_table_metric import PCKTableMetric
from .posefix_mpii_metric import PoseFixMpiiPCKhMetric
from .posefix_results_metric import PoseFixCocoMetric
from .posetrack18_metric import PoseFixPoseTrack18Metric, PoseTrack18APMetric

__all__ = ['CrowdPoseMetric', 'LspPCKMetric', 'MpiiPCKhMetric', 'MultiInstanceCocoMetric',
           'MultiInstanceCrowdPoseMetric', 'OfficialCocoMetric', 'OfficialRulesCOCOeval', 'PCKTableMetric',
           'PoseFixCocoMetric', 'PoseFixMpiiPCKhMetric', 'PoseFixPoseTrack18Metric', 'PoseTrack18APMetric']
