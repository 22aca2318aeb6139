"""Python inference that mmpose's API has no entry for: PoseFix refining the poses of any other model."""
from .posefix_inference import inference_posefix

__all__ = ['inference_posefix']
