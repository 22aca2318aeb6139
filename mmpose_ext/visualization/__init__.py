"""Pictures a person would rather look at than read: poses drawn on images, grids, annotation previews."""
from .annotation_preview import draw_preview
from .bottomup_pictures import draw_grouped_poses
from .pose_grid import PALETTE, draw_poses, image_grid
from .prediction_pictures import (LAMBDA_COLOURS, PredictionPictureHook, draw_box_predictions, draw_legend,
                                  is_bottomup_model)

__all__ = ['LAMBDA_COLOURS', 'PALETTE', 'PredictionPictureHook', 'draw_box_predictions', 'draw_grouped_poses',
           'draw_legend', 'draw_poses', 'draw_preview', 'image_grid', 'is_bottomup_model']
