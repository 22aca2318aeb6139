from .fast_pose_distillation_loss import FastPoseDistillationLoss
from .posefix_loss import PoseFixLoss

__all__ = ['FastPoseDistillationLoss', 'PoseFixLoss']
