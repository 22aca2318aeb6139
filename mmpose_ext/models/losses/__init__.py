from .posefix_loss import PoseFixLoss

__all__ = ['PoseFixLoss']
