from . import transforms  # noqa: F401  (registers the plugin's data transforms)
from .synthetic import SyntheticCrowdConfig, generate_synthetic_crowd
from .multi_instance_dataset import MultiInstanceDataset
from .synthetic_crowd_dataset import SyntheticCrowdDataset

__all__ = ['MultiInstanceDataset', 'SyntheticCrowdConfig', 'SyntheticCrowdDataset', 'generate_synthetic_crowd']

# Datasets and metrics (issue 6): the official CrowdPose, MPII, OCHuman and LSP files, checked at build time.
from .crowdpose_official_dataset import CrowdPoseOfficialDataset  # noqa: E402
from .lsp_dataset import LspDataset  # noqa: E402
from .mpii_official_dataset import MpiiOfficialDataset  # noqa: E402
from .ochuman_official_dataset import OCHumanOfficialDataset  # noqa: E402

__all__ += ['CrowdPoseOfficialDataset', 'LspDataset', 'MpiiOfficialDataset', 'OCHumanOfficialDataset']

# PoseFix (issue 4): test-time input poses from any estimator's keypoint results.
from .posefix_results_dataset import PoseFixResultsDataset  # noqa: E402

__all__ += ['PoseFixResultsDataset']

# PoseFix (issue 4): training samples with the estimate and the near persons for the error synthesis.
from .posefix_coco_dataset import PoseFixCocoDataset  # noqa: E402

__all__ += ['PoseFixCocoDataset']

# Fast Pose Distillation (issue 5): unlabeled images, supervised by the teacher only.
from .unlabeled_image_dataset import UnlabeledImageDataset  # noqa: E402

__all__ += ['UnlabeledImageDataset']
