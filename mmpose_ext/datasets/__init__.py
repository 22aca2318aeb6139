"""Datasets of the plugin; importing this package registers them (and its transforms) into mmpose's registries."""
from . import transforms  # noqa: F401
from .bottomup_image_filter import BottomupImageFilter
from .crowdpose_official_dataset import CrowdPoseOfficialDataset
from .label_fraction_dataset import LabelFractionDataset
from .lsp_dataset import LspDataset
from .mpii_official_dataset import MpiiOfficialDataset
from .multi_instance_dataset import MultiInstanceDataset
from .ochuman_official_dataset import OCHumanOfficialDataset
from .posefix_coco_dataset import PoseFixCocoDataset
from .posefix_mpii_dataset import PoseFixMpiiDataset, PoseFixMpiiResultsDataset
from .posefix_posetrack18_dataset import PoseFixPoseTrack18Dataset, PoseFixPoseTrack18ResultsDataset
from .posefix_results_dataset import PoseFixResultsDataset
from .posetrack18_dataset import PoseTrack18OfficialDataset
from .posetrack18_metainfo import POSETRACK18_METAINFO
from .synthetic import SyntheticCrowdConfig, generate_synthetic_crowd
from .synthetic_crowd_dataset import SyntheticCrowdDataset
from .unlabeled_image_dataset import UnlabeledImageDataset

__all__ = ['BottomupImageFilter', 'CrowdPoseOfficialDataset', 'LabelFractionDataset', 'LspDataset',
           'MpiiOfficialDataset', 'MultiInstanceDataset', 'OCHumanOfficialDataset', 'POSETRACK18_METAINFO',
           'PoseFixCocoDataset', 'PoseFixMpiiDataset', 'PoseFixMpiiResultsDataset', 'PoseFixPoseTrack18Dataset',
           'PoseFixPoseTrack18ResultsDataset', 'PoseFixResultsDataset', 'PoseTrack18OfficialDataset',
           'SyntheticCrowdConfig', 'SyntheticCrowdDataset', 'UnlabeledImageDataset', 'generate_synthetic_crowd']
