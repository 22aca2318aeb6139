from .fast_pose_distillation_loss import FastPoseDistillationLoss
from .higherhrnet_loss import BatchAssociativeEmbeddingLoss, HigherHRNetLoss
from .posefix_loss import PoseFixLoss

__all__ = ['BatchAssociativeEmbeddingLoss', 'FastPoseDistillationLoss', 'HigherHRNetLoss', 'PoseFixLoss']
