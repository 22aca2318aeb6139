from .pose_grid import draw_poses, image_grid

__all__ = ['draw_poses', 'image_grid']
