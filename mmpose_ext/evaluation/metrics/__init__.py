from .multi_instance_coco_metric import MultiInstanceCocoMetric, MultiInstanceCrowdPoseMetric  # noqa: F401
# Datasets and metrics (issue 6)
from .crowdpose_metric import CrowdPoseMetric  # noqa: F401
from .lsp_pck_metric import LspPCKMetric  # noqa: F401
from .mpii_pckh_metric import MpiiPCKhMetric  # noqa: F401
from .official_coco_metric import OfficialCocoMetric  # noqa: F401
from .official_cocoeval import OfficialRulesCOCOeval  # noqa: F401
from .pck_table_metric import PCKTableMetric  # noqa: F401
# PoseFix (issue 4): refined results with the input score, passed-through entries merged back
from .posefix_results_metric import PoseFixCocoMetric  # noqa: F401
